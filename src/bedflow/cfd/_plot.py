"""The convergence plot of a flow result (PNG, matplotlib's Agg backend)."""

from __future__ import annotations

from pathlib import Path

from bedflow.cfd._flow import FlowResult

__all__ = ["plot_convergence"]


def plot_convergence(result: FlowResult, path: str | Path) -> Path | None:
    """Write the relative change against iteration as a PNG; None when there is no history."""
    if not result.history:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    changes = [max(abs(h[1]), 1e-16) for h in result.history if h[1] == h[1]]
    its = [h[0] for h in result.history if h[1] == h[1]]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(its, changes, marker=".")
    ax.set_xlabel("iteration")
    ax.set_ylabel("relative change between checks")
    ax.set_title(f"{result.solver}: convergence")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
