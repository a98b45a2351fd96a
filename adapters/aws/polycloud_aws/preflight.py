"""What a deploy checks before its first write: things that would otherwise fail halfway through.

- **Reserved concurrency and the account's quota.** ``max_instances`` becomes reserved concurrency, and
  Lambda keeps at least 100 executions of the account's quota unreserved ("You can reserve up to the
  Unreserved account concurrency value minus 100",
  https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html); on accounts whose quota is
  100 or less (new accounts often get 10 or 50) the minimum is the whole quota, so nothing can be reserved
  (the ``unreserved_concurrency`` limit's note cites the real answers). PutFunctionConcurrency would refuse
  only after the function was created or updated and a version published, so polycloud reads
  GetAccountSettings first and refuses the deploy before any write, with the fix. It refuses rather than
  lowering ``max_instances`` itself: the cap is usually there to protect something downstream, and
  silently reserving less (or nothing) would change what the spec promises.
- **Provisioned concurrency on an endpoint without it** (stock moto): refused before any write, naming
  ``polycloud.testing.aws.extend_moto()``.

An endpoint that does not implement GetAccountSettings (stock moto, some emulators), or credentials not
allowed to call it (``lambda:GetAccountSettings``), are not checked: the deploy goes on with a note, as it
did before the check existed.
"""

from __future__ import annotations

from typing import Any

from polycloud._plan import Plan
from polycloud.adapter import Journal
from polycloud.errors import AuthError, NotFoundError, RefusedError
from polycloud.limits import ProviderLimits
from polycloud_aws.calls import LambdaCalls
from polycloud_aws.concurrency import PROVISIONED_LISTING
from polycloud_aws.errors import PROVIDER, UnsupportedOperationError
from polycloud_aws.optional import read_optional, unsupported_note
from polycloud_aws.translate import LiveFacts

__all__ = ["ACCOUNT_SETTINGS", "check_before_writing"]

ACCOUNT_SETTINGS = "GetAccountSettings"
_QUOTA_HELP = ("request a higher 'Concurrent executions' quota for AWS Lambda in this region (Service Quotas "
               "console, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)")


def check_before_writing(api: LambdaCalls, plan: Plan, journal: Journal, limits: ProviderLimits) -> None:
    """Refuse, before anything is written, a plan the account or the endpoint cannot carry out.

    Raises:
        RefusedError: the reserved concurrency does not fit the account's quota, or the endpoint does not
            implement provisioned concurrency that the spec asks for.
    """
    _check_provisioned_supported(api, plan)
    _check_reserved_fits(api, plan, journal, limits)


def _check_reserved_fits(api: LambdaCalls, plan: Plan, journal: Journal, limits: ProviderLimits) -> None:
    want = plan.desired["concurrency"]["reserved"]
    have = plan.live["concurrency"]["reserved"] or 0 if plan.live is not None else 0
    if not want or want <= have:  # lowering or keeping a reservation never needs more of the quota
        return
    unchecked = f"reserved concurrency {want} was not checked against the account's concurrency quota"
    try:
        answer = read_optional(api, ACCOUNT_SETTINGS, lambda: api.client.get_account_settings())
    except AuthError as exc:
        journal.note(f"{unchecked}: {ACCOUNT_SETTINGS} was denied ({exc.code}); allow lambda:GetAccountSettings "
                     "to have it checked before anything is written")
        return
    if answer is None:
        journal.note(unsupported_note(ACCOUNT_SETTINGS, unchecked))
        return
    account: dict[str, Any] = answer.get("AccountLimit") or {}
    quota, unreserved = account.get("ConcurrentExecutions"), account.get("UnreservedConcurrentExecutions")
    if quota is None or unreserved is None:
        return
    floor = limits.profile()["unreserved_concurrency"].min or 0
    minimum = min(int(floor), int(quota))
    room = int(unreserved) + int(have) - minimum  # this function's own reservation comes back when it changes
    if want <= room:
        return
    can = (f"at most {room} can be reserved for {plan.name}: lower concurrency.max_instances to {room} or less, "
           "or remove it (the function then shares the unreserved pool), or " if room > 0 else
           f"no concurrency can be reserved for {plan.name}: remove concurrency.max_instances (the function then "
           "shares the unreserved pool), or ")
    raise RefusedError(
        f"concurrency.max_instances {want} becomes reserved concurrency {want}, but this account's Lambda "
        f"concurrency quota is {quota} with {unreserved} unreserved, and Lambda keeps at least {minimum} unreserved "
        f"(PutFunctionConcurrency would refuse after the function was written). So {can}{_QUOTA_HELP}. Nothing "
        "was written.", provider=PROVIDER, operation="PutFunctionConcurrency", code="ReservedConcurrencyQuota")


def _check_provisioned_supported(api: LambdaCalls, plan: Plan) -> None:
    if not plan.desired["concurrency"]["provisioned"]:
        return
    if plan.live is not None and PROVISIONED_LISTING not in LiveFacts.of(plan.live).unsupported:
        return
    if plan.live is None:  # a new function: ask the endpoint whether it knows the operation at all
        try:
            api.call(PROVISIONED_LISTING, lambda: api.client.list_provisioned_concurrency_configs(
                FunctionName=plan.name))
            return
        except NotFoundError:  # AWS: no such function yet, which is what a known operation answers
            return
        except UnsupportedOperationError:
            pass
    raise RefusedError(
        f"concurrency.min_instances {plan.desired['concurrency']['provisioned']} needs provisioned concurrency, "
        f"which this endpoint does not implement ({PROVISIONED_LISTING}). AWS Lambda does; with moto, call "
        "polycloud.testing.aws.extend_moto() before mocking (or use polycloud's moto_aws fixture or sandbox). "
        "Nothing was written.", provider=PROVIDER, operation="PutProvisionedConcurrencyConfig",
        code="UnsupportedOperation")
