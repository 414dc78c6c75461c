"""Rotations of particles, shared by the meshes and the voxel model."""

from __future__ import annotations

import numpy as np

from bedflow.geometry._types import FloatArray

__all__ = ["quaternion_matrices"]


def quaternion_matrices(quaternions: FloatArray) -> FloatArray:
    """Rotation matrices ``(n, 3, 3)`` of unit quaternions ``(n, 4)`` ordered (w, x, y, z).

    >>> quaternion_matrices(np.array([[1.0, 0.0, 0.0, 0.0]]))[0].tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    q = np.asarray(quaternions, dtype=np.float64).reshape(-1, 4)
    norm = np.linalg.norm(q, axis=1, keepdims=True)
    q = q / np.where(norm > 0.0, norm, 1.0)
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    out = np.empty((q.shape[0], 3, 3))
    out[:, 0, 0] = 1 - 2 * (y * y + z * z)
    out[:, 0, 1] = 2 * (x * y - w * z)
    out[:, 0, 2] = 2 * (x * z + w * y)
    out[:, 1, 0] = 2 * (x * y + w * z)
    out[:, 1, 1] = 1 - 2 * (x * x + z * z)
    out[:, 1, 2] = 2 * (y * z - w * x)
    out[:, 2, 0] = 2 * (x * z - w * y)
    out[:, 2, 1] = 2 * (y * z + w * x)
    out[:, 2, 2] = 1 - 2 * (x * x + y * y)
    return out
