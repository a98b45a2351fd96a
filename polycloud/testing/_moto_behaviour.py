"""Settings of the behaviours polycloud's moto extension adds (``polycloud.testing.aws.moto_behaviour``).

One process-wide instance, ``BEHAVIOUR``, read by the extension's handlers at request time, so a change
applies at once to moto in-process and to a ``ThreadedMotoServer`` in the same process alike.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BEHAVIOUR", "MotoBehaviour"]


@dataclass
class MotoBehaviour:
    """How the extended moto models the account and IAM (defaults: a standard account, instant IAM)."""

    concurrency_quota: int = 1000
    """The account's Lambda concurrency quota (``AccountLimit.ConcurrentExecutions``); AWS's default is 1,000,
    new accounts often get 10 or 50 (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""
    unreserved_minimum: int | None = None
    """What reserved concurrency must leave unreserved; None: 100, or the whole quota when it is 100 or less,
    as AWS answers ("... below its minimum value of [10]" on a quota of 10)."""
    role_propagation_calls: int = 0
    """After CreateRole, this many CreateFunction/UpdateFunctionConfiguration calls naming the role are
    refused as IAM not having propagated it yet."""
    role_propagation_seconds: float = 0.0
    """After CreateRole, those calls are refused for this many seconds (besides ``role_propagation_calls``)."""

    def minimum_unreserved(self) -> int:
        """The unreserved concurrency PutFunctionConcurrency must leave."""
        if self.unreserved_minimum is not None:
            return self.unreserved_minimum
        return min(100, self.concurrency_quota)


BEHAVIOUR = MotoBehaviour()
