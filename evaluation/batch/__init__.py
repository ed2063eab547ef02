"""The batch engine: run one notebook per task on warm kernels (or a Dask cluster), resumable and atomic."""
