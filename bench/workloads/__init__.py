"""One module per area; each exposes ``WORKLOADS``: name -> function(quick) -> Workload."""
