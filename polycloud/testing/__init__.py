"""Offline fakes of the cloud control planes and the adapter contract suite.

``polycloud.testing.fakes`` holds the request -> response core every fake builds on;
``azure`` and ``gcp`` fake the ARM ``Microsoft.Web`` and Cloud Run v2 REST APIs with
``responses``; AWS is faked with moto (``aws``); ``registry`` fakes an OCI registry, and ``images`` /
``image_catalog`` build test images in Python. ``sandbox.open_sandbox()`` runs the three cloud fakes
in-process (the CLI's ``--sandbox``), and ``pytest_plugin`` gives them to any project's tests as pytest
fixtures (``polycloud_sandbox``, ``moto_aws``, ``fake_arm``, ``fake_cloud_run``). Importing this package
imports no cloud SDK.
"""

SANDBOX_CLOUDS: tuple[str, ...] = ("aws", "azure", "gcp")
"""The sections whose fakes the sandbox (in-process or ``polycloud sandbox start``) runs, one port each."""
