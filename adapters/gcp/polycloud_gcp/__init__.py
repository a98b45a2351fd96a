"""polycloud's Google Cloud Run adapter (provider key ``gcp-cloud-run``, aliases ``gcp``, ``cloud-run``).

Deploys a FunctionSpec as a Cloud Run service through the Admin API v2
(``google.cloud.run_v2.ServicesClient``). Importing this package does not import any Google
library; the SDK is loaded on the first API call. See docs/gcp.md for the field mapping.
"""

from polycloud_gcp.adapter import CloudRunAdapter

__all__ = ["CloudRunAdapter"]
