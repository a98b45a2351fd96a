"""polycloud_azure: the Azure Functions (Linux) adapter of polycloud.

The adapter class is added here by its owner; ``polycloud_azure.rules`` holds the offline checks.
"""
