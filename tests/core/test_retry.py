"""RetryPolicy: which errors are retried, how long it waits, and that it stops."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polycloud import AuthError, ConflictError, NotFoundError, ProviderError, ThrottledError
from polycloud.retry import RetryPolicy, is_transient, parse_retry_after


def error(cls: type[ProviderError] = ProviderError, **kwargs) -> ProviderError:
    return cls("boom", provider="aws-lambda", operation="UpdateFunctionConfiguration", **kwargs)


class Flaky:
    """Raises the given errors in turn, then returns 'done'."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def policy(**kwargs) -> tuple[RetryPolicy, list[float]]:
    delays: list[float] = []
    return RetryPolicy(sleep=delays.append, **kwargs), delays


TRANSIENT = [
    error(ThrottledError),
    error(ThrottledError, status=429),
    error(status=429),
    error(status=500),
    error(status=502),
    error(status=503),
    error(ConflictError, status=409, transient=True),  # e.g. Lambda's "update in progress"
    error(transient=True),  # a dropped connection, marked by the adapter
]
PERMANENT = [
    error(status=400),
    error(NotFoundError, status=404),
    error(AuthError, status=403),
    error(AuthError, status=401),
    error(ConflictError, status=409),
    error(),  # no status: unknown, not retried
]


@pytest.mark.parametrize("exc", TRANSIENT, ids=repr)
def test_transient_errors_are_retried(exc):
    retry, delays = policy()
    fn = Flaky(exc, exc)
    assert retry.call(fn) == "done"
    assert fn.calls == 3
    assert len(delays) == 2
    assert is_transient(exc)


@pytest.mark.parametrize("exc", PERMANENT, ids=repr)
def test_permanent_errors_are_not_retried(exc):
    retry, delays = policy()
    fn = Flaky(exc)
    with pytest.raises(type(exc)) as info:
        retry.call(fn)
    assert info.value is exc
    assert fn.calls == 1
    assert delays == []
    assert not is_transient(exc)


@pytest.mark.parametrize("exc", [ValueError("bug"), KeyError("x"), ConnectionError("raw")])
def test_non_provider_errors_are_not_retried(exc):
    retry, delays = policy()
    fn = Flaky(exc)
    with pytest.raises(type(exc)):
        retry.call(fn)
    assert fn.calls == 1 and delays == []


def test_attempts_are_bounded_and_the_last_error_is_raised():
    errors = [error(ThrottledError) for _ in range(10)]
    retry, delays = policy(attempts=4)
    fn = Flaky(*errors)
    with pytest.raises(ThrottledError) as info:
        retry.call(fn)
    assert fn.calls == 4
    assert len(delays) == 3
    assert info.value is errors[3]


def test_success_on_the_last_attempt():
    retry, delays = policy(attempts=3)
    fn = Flaky(error(status=500), error(status=500))
    assert retry.call(fn) == "done"
    assert fn.calls == 3


def test_a_permanent_error_after_transient_ones_stops_at_once():
    retry, delays = policy()
    fn = Flaky(error(status=503), error(NotFoundError, status=404), error(status=503))
    with pytest.raises(NotFoundError):
        retry.call(fn)
    assert fn.calls == 2
    assert len(delays) == 1


def test_retry_after_is_honoured():
    retry, delays = policy(initial=0.01, maximum=20)
    fn = Flaky(error(ThrottledError, retry_after=7), error(ThrottledError, retry_after=3.5))
    assert retry.call(fn) == "done"
    assert delays[0] >= 7 and delays[1] >= 3.5
    assert all(d <= 20 for d in delays)


def test_retry_after_is_honoured_beyond_the_backoff_ceiling():
    retry, delays = policy(maximum=5)
    assert retry.call(Flaky(error(ThrottledError, retry_after=30))) == "done"
    assert delays == [30]


def test_retry_after_past_the_total_budget_gives_up_instead_of_retrying_early():
    retry, delays = policy(maximum=5)
    with pytest.raises(ThrottledError):
        retry.call(Flaky(error(ThrottledError, retry_after=3600)))
    assert delays == []


def test_backoff_grows_exponentially_within_bounds():
    retry, delays = policy(attempts=7, initial=1, maximum=3)
    fn = Flaky(*[error(status=500) for _ in range(6)])
    assert retry.call(fn) == "done"
    ceilings = [1, 2, 3, 3, 3, 3]
    assert len(delays) == len(ceilings)
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert 0 <= delay <= ceiling


def test_no_wait_never_sleeps_for_real():
    retry = RetryPolicy.no_wait(attempts=3)
    fn = Flaky(*[error(ThrottledError, retry_after=3600) for _ in range(5)])
    with pytest.raises(ThrottledError):
        retry.call(fn)  # would take hours if it slept
    assert fn.calls == 3


def test_the_default_policy_is_bounded():
    default = RetryPolicy()
    assert 1 < default.attempts <= 10
    assert default.maximum <= default.total


@given(st.lists(st.sampled_from(["transient", "permanent", "ok"]), min_size=1, max_size=8),
       st.integers(1, 6))
def test_calls_stop_at_success_permanent_error_or_attempts(outcomes, attempts):
    results = [error(status=503) if o == "transient" else error(status=400) if o == "permanent" else None
               for o in outcomes]
    calls = 0

    def fn() -> str:
        nonlocal calls
        outcome = results[min(calls, len(results) - 1)]
        calls += 1
        if outcome is not None:
            raise outcome
        return "done"

    delays: list[float] = []
    retry = RetryPolicy(attempts=attempts, sleep=delays.append)
    expected_calls = 0
    expected = "done"
    for index in range(attempts):
        expected_calls += 1
        kind = outcomes[min(index, len(outcomes) - 1)]
        if kind == "ok":
            break
        if kind == "permanent" or index == attempts - 1:
            expected = kind
            break
    try:
        got = retry.call(fn)
    except ProviderError as exc:
        got = "permanent" if exc.status == 400 else "transient"
    assert (got, calls) == (expected, expected_calls)
    assert len(delays) == calls - 1


# -- run: translate an SDK's errors at the boundary, then retry ----------------------------

class SdkError(Exception):
    """Stands in for a cloud SDK's exception (an HTTP status and nothing else)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def mapper(exc: Exception, operation: str) -> ProviderError | None:
    if not isinstance(exc, SdkError):
        return None
    cls = {404: NotFoundError, 429: ThrottledError}.get(exc.status, ProviderError)
    return cls(str(exc), provider="test", operation=operation, status=exc.status)


def test_run_translates_and_retries():
    retry, delays = policy()
    fn = Flaky(SdkError(429), SdkError(503))
    assert retry.run("GetThing", fn, mapper) == "done"
    assert fn.calls == 3 and len(delays) == 2


def test_run_raises_the_translated_error_from_the_sdk_one():
    retry, delays = policy()
    original = SdkError(404)
    with pytest.raises(NotFoundError) as info:
        retry.run("GetThing", Flaky(original), mapper)
    assert info.value.__cause__ is original
    assert (info.value.operation, info.value.status) == ("GetThing", 404)
    assert delays == []


def test_run_leaves_other_errors_alone():
    retry, delays = policy()
    bug = TypeError("a bug, not the cloud")
    with pytest.raises(TypeError) as info:
        retry.run("GetThing", Flaky(bug), mapper)
    assert info.value is bug
    throttled = error(ThrottledError)
    fn = Flaky(throttled, throttled)
    assert retry.run("GetThing", fn, mapper) == "done"  # a ProviderError already: kept, and retried
    assert fn.calls == 3


# -- Retry-After: one parser (RFC 9110 section 10.2.3) for every adapter -----------------------

NOW = datetime(2026, 12, 2, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0),
    (" 7 ", 7.0),
    ("0", 0.0),
    ("1.5", 1.5),  # not RFC delay-seconds, but sent by some services (and by the fakes)
    (b"30", 30.0),
    (12, 12.0),
    ("Wed, 02 Dec 2026 12:01:30 GMT", 90.0),  # IMF-fixdate
    ("Wednesday, 02-Dec-26 12:00:10 GMT", 10.0),  # obsolete RFC 850 form, which recipients must accept
    ("Wed Dec  2 12:00:05 2026", 5.0),  # obsolete asctime form
    ("Tue, 01 Dec 2026 12:00:00 GMT", 0.0),  # a date in the past: come back now
])
def test_parse_retry_after_reads_seconds_and_http_dates(value, seconds):
    assert parse_retry_after(value, now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "nan", "inf", float("nan"), -1, True])
def test_parse_retry_after_ignores_what_is_not_a_wait(value):
    assert parse_retry_after(value, now=NOW) is None


def test_parse_retry_after_counts_from_the_clock_by_default():
    later = (datetime.now(timezone.utc) + timedelta(seconds=60)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 55 <= (parse_retry_after(later) or 0) <= 60


HTTP_DATE = "Wed, 21 Oct 2099 07:28:00 GMT"


def _aws_throttle(header: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"},
                        "ResponseMetadata": {"HTTPStatusCode": 429, "HTTPHeaders": {"retry-after": header}}},
                       "UpdateFunctionConfiguration")


def _azure_throttle(header: str) -> Exception:
    import requests
    from azure.core.exceptions import HttpResponseError
    from azure.core.pipeline.transport import RequestsTransportResponse
    from azure.core.rest import HttpRequest

    answer = requests.Response()
    answer.status_code, answer.reason = 429, "Too Many Requests"
    answer.headers["Retry-After"] = header
    answer._content = b'{"error": {"code": "TooManyRequests", "message": "slow down"}}'
    return HttpResponseError(response=RequestsTransportResponse(HttpRequest("GET", "http://127.0.0.1/"), answer))


def _gcp_throttle(header: str) -> Exception:
    import requests
    from google.api_core import exceptions

    answer = requests.Response()
    answer.status_code = 429
    answer.headers["Retry-After"] = header
    return exceptions.TooManyRequests("slow down", response=answer)


@pytest.mark.parametrize(("adapter", "throttle"), [("polycloud_aws", _aws_throttle),
                                                    ("polycloud_azure", _azure_throttle),
                                                    ("polycloud_gcp", _gcp_throttle)])
def test_every_adapter_reads_retry_after_as_seconds_or_an_http_date(adapter, throttle):
    import importlib

    mapper = importlib.import_module(f"{adapter}.errors").map_sdk_error
    seconds = mapper(throttle("42"), "Op")
    assert isinstance(seconds, ThrottledError) and seconds.retry_after == 42
    dated = mapper(throttle(HTTP_DATE), "Op")  # was ignored before: the policy retried far too early
    assert dated.retry_after is not None and dated.retry_after > 365 * 86400


# -- waits come from tenacity, and each retry is a log record ----------------------------------

def test_the_backoff_is_tenacitys_full_jitter_exponential(monkeypatch):
    import tenacity.wait

    ceilings: list[float] = []
    real_uniform = tenacity.wait.random.uniform

    def recording_uniform(low: float, high: float) -> float:
        ceilings.append(high)
        return real_uniform(low, high)

    monkeypatch.setattr(tenacity.wait.random, "uniform", recording_uniform)
    retry, delays = policy(attempts=5, initial=1, maximum=3)
    assert retry.call(Flaky(*[error(status=500) for _ in range(4)])) == "done"
    assert ceilings == [1, 2, 3, 3]


def test_each_retry_is_logged_with_operation_attempt_wait_and_code(caplog):
    retry, delays = policy(initial=0.01)
    caplog.set_level(logging.DEBUG, logger="polycloud")
    fn = Flaky(error(ThrottledError, code="TooManyRequestsException", retry_after=2), error(status=503))
    assert retry.call(fn) == "done"
    records = [r for r in caplog.records if r.name == "polycloud.retry"]
    assert [(r.operation, r.attempt, r.code) for r in records] == [
        ("UpdateFunctionConfiguration", 1, "TooManyRequestsException"), ("UpdateFunctionConfiguration", 2, 503)]
    assert [r.wait for r in records] == delays
    assert records[0].levelno == logging.INFO and records[1].levelno == logging.DEBUG  # a wait of 1 s+ is news
    assert "retrying UpdateFunctionConfiguration in 2.0s" in records[0].getMessage()


def test_nothing_is_logged_without_a_retry(caplog):
    caplog.set_level(logging.DEBUG, logger="polycloud")
    retry, _ = policy()
    assert retry.call(Flaky()) == "done"
    with pytest.raises(NotFoundError):
        retry.call(Flaky(error(NotFoundError, status=404)))
    assert not [r for r in caplog.records if r.name == "polycloud.retry"]
