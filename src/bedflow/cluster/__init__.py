"""A bedflow cluster of separate hosts on one machine, for fault and load tests (root only).

Each host is a Linux network namespace on a private bridge running real programs: nginx,
two API servers, Celery workers, Redis, a PostgreSQL primary and its streaming replica, an
S3 server (s3rver). A supervisor fails the database over. ``bedflow cluster up|status|down``
drives it; docs/cluster.md describes the topology and the faults.

>>> cluster = Cluster(ClusterConfig(name="bfc", s3rver="/usr/local/bin/s3rver"))  # doctest: +SKIP
>>> cluster.up(); cluster.lb_url  # doctest: +SKIP
'http://10.213.7.10'
"""

from bedflow.cluster._cluster import Cluster, ClusterConfig, ClusterError, HostStatus
from bedflow.cluster._failover import Supervisor
from bedflow.cluster._net import netns_available

__all__ = [
    "Cluster",
    "ClusterConfig",
    "ClusterError",
    "HostStatus",
    "Supervisor",
    "netns_available",
]
