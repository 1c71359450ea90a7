"""The Ray study service: sweeps of mo_orpo training runs, their results and reports."""
