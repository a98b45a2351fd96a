"""polycloud's AWS Lambda adapter (provider key ``aws-lambda``, alias ``aws``).

Importing this package does not import boto3; the SDK is loaded on the first API call.
"""

from polycloud_aws.adapter import LambdaAdapter

__all__ = ["LambdaAdapter"]
