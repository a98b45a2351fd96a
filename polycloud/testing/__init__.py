"""Offline fakes of the cloud control planes and the adapter contract suite.

``polycloud.testing.fakes`` holds the request -> response core every fake builds on;
``azure`` and ``gcp`` fake the ARM ``Microsoft.Web`` and Cloud Run v2 REST APIs with
``responses``; AWS is faked with moto; ``registry`` fakes an OCI registry, and ``images`` /
``image_catalog`` build test images in Python. Importing this package imports no cloud SDK.
"""
