"""polycloud_gcp: the Google Cloud Run adapter of polycloud.

The adapter class is added here by its owner; ``polycloud_gcp.rules`` holds the offline checks.
"""
