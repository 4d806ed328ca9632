"""Dask, for when one machine is not enough: agreement, checking and machine coding on a cluster.

``agree``, ``check`` and ``code`` take ``--dask local`` (a ``distributed.LocalCluster`` of worker
processes on this machine) or ``--dask ADDRESS`` (the scheduler of an existing cluster: Slurm or
PBS through dask-jobqueue, Kubernetes, dask-gateway). Then:

* a partitioned dataset (a directory of Parquet, CSV or JSONL files, or a glob) is read on the
  workers, one task per file, each with the readers every command uses (:mod:`intercoder.formats`);
* the records are hashed by unit into buckets, so that every unit ends up whole in one bucket
  (the shuffle), and each bucket is checked against the codebook on its worker - per distinct
  value, with each bad record named by its partition file and line, as in memory;
* each bucket computes, per variable, its coincidence counts (the sparse cells o_ck and the value
  counts n_c, which are additive over units); the client sums them and computes alpha from the
  sums at each level of measurement, which is the same alpha as in memory;
* machine coders that can travel run over batches of tasks on the workers, the output gathered
  in input order (stateful coders stay in this process, as in :mod:`intercoder.coders.parallel`).

The same pipeline runs without Dask, in this process, for input bigger than memory
(``agree``/``check`` ``--memory SIZE``, and by default when the input would not fit): files are
read in batches, the pieces spread by unit over a temporary directory, and counted bucket by
bucket (:func:`read_batched`).

Dask is an extra (``pip install 'intercoder[dask]'``) and is imported only here, when a
function runs: the core never needs it.
"""

from __future__ import annotations

from ._agree import ClusterAnnotations, read_partitioned
from ._batches import BatchPlan, default_limit, parse_size, plan_batches, read_batched
from ._code import code_on_cluster
from ._connect import Cluster, ClusterError, DaskMissingError, connect, parse_target
from ._partitions import partition_files

__all__ = [
    "BatchPlan",
    "Cluster",
    "ClusterAnnotations",
    "ClusterError",
    "DaskMissingError",
    "code_on_cluster",
    "connect",
    "default_limit",
    "parse_size",
    "parse_target",
    "partition_files",
    "plan_batches",
    "read_batched",
    "read_partitioned",
]
