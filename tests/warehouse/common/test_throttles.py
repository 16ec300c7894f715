"""The per-caller throttle counts in each process and tells Redis in slices
(warehouse.common.throttles): one process is exact, several stay within the
documented slack, windows roll over, and most requests cost no round trip.

Two :class:`WindowCounter` objects play two processes: each has its own
counts, both share the cache (Redis in CI)."""

import itertools

import pytest
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import api_client
from warehouse.common import throttles
from warehouse.common.throttles import WindowCounter

START = 1_800_000_000.0  # a minute's start, as tests/conftest.py pins the clock


@pytest.fixture
def now(monkeypatch):
    """The throttles' clock, moved by the test: ``now[0]``."""
    current = [START]
    monkeypatch.setattr(throttles, "clock", lambda: current[0])
    return current


@pytest.fixture
def round_trips(monkeypatch):
    """Each look at the shared count (one round trip to Redis), by key."""
    looks: list[str] = []
    add = throttles._window_add

    def counted(window_key, amount, seconds):
        looks.append(window_key)
        return add(window_key, amount, seconds)

    monkeypatch.setattr(throttles, "_window_add", counted)
    return looks


def admitted(counter, n, *, limit=600, key="throttle:user:1", seconds=60):
    return sum(counter.admit(key, limit=limit, seconds=seconds)[0] for _ in range(n))


def test_one_process_refuses_exactly_after_the_limit(now, round_trips, settings):
    settings.THROTTLE_SYNC_SHARE = 0.01  # a slice of 6 requests
    counter = WindowCounter("test process")

    answers = [counter.admit("k", limit=600, seconds=60)[0] for _ in range(700)]

    assert answers == [True] * 600 + [False] * 100
    # Everything it admitted reached the shared count by the time it refused.
    assert cache.get(f"k:{int(START // 60)}") == 600
    assert len(round_trips) <= 600 // 6 + 2


def test_two_processes_together_stay_within_the_documented_slack(now, settings):
    """Whatever the interleaving, two processes admit at least the limit and
    at most ``limit - 1 + 2 x slice``; each alone would have admitted the
    whole limit (1,200 in all) had they not shared their counts."""
    settings.THROTTLE_SYNC_SHARE = 0.05  # a slice of 30
    limit, slice_ = 600, 30
    patterns = {
        "alternating": itertools.cycle([0, 1]),
        "bursts of 29": itertools.cycle([0] * 29 + [1] * 29),
        "one then the other": iter([0] * 700 + [1] * 700),
        "uneven": itertools.cycle([0, 0, 0, 1]),
    }
    for minute, (name, turns) in enumerate(patterns.items()):
        now[0] = START + 60 * minute  # a fresh window each
        processes = [WindowCounter("process a"), WindowCounter("process b")]
        total = sum(
            processes[next(turns)].admit("k", limit=limit, seconds=60)[0]
            for _ in range(1400)
        )
        assert limit <= total <= limit - 1 + 2 * slice_, name


def test_a_process_hears_of_the_others_requests_within_the_sync_interval(now, settings):
    """Below a slice of its own, a process still looks again after
    THROTTLE_SYNC_SECONDS and refuses once the others used the allowance."""
    settings.THROTTLE_SYNC_SHARE, settings.THROTTLE_SYNC_SECONDS = 0.05, 1.0
    busy, quiet = WindowCounter("busy"), WindowCounter("quiet")
    assert admitted(quiet, 1) == 1  # it looked: the count was 0

    assert admitted(busy, 700) == 600
    assert admitted(quiet, 1) == 1  # has not looked since: within the slack
    now[0] += 1.0
    assert admitted(quiet, 5) == 0  # looked: the allowance is used up


def test_the_window_rolls_over(now, settings):
    settings.THROTTLE_SYNC_SHARE = 0.01
    counter = WindowCounter("test process")
    assert admitted(counter, 700) == 600
    now[0] = START + 59.5
    allowed, wait = counter.admit("throttle:user:1", limit=600, seconds=60)
    assert (allowed, wait) == (False, 1)

    now[0] = START + 60
    assert admitted(counter, 700) == 600  # a new minute, a new allowance
    assert admitted(counter, 1, key="throttle:user:2") == 1  # another caller's own


def test_requests_under_the_limit_make_far_fewer_round_trips(
    now, round_trips, settings
):
    """1,000 requests under a limit of 3,000: a look per slice of 30 (and one
    to start the window), not one per request; advancing the clock past the
    sync interval adds one look per interval."""
    settings.THROTTLE_SYNC_SHARE, settings.THROTTLE_SYNC_SECONDS = 0.01, 1.0
    counter = WindowCounter("test process")

    assert admitted(counter, 1000, limit=3000) == 1000
    assert len(round_trips) == 1 + 1000 // 30
    assert cache.get(f"throttle:user:1:{int(START // 60)}") == 1000 - 1000 % 30

    round_trips.clear()
    for second in range(10):
        now[0] = START + 1 + second
        admitted(counter, 2, limit=3000)
    assert len(round_trips) == 10


def test_small_limits_and_a_share_of_zero_are_counted_exactly(
    now, round_trips, settings
):
    """Under 1/share (or with a share of 0) every request asks, as before,
    and two processes together never pass the limit."""
    for share, limit in [(0.01, 99), (0.0, 3000)]:
        settings.THROTTLE_SYNC_SHARE = share
        now[0] += 60
        round_trips.clear()
        processes = [WindowCounter("process a"), WindowCounter("process b")]
        total = sum(
            processes[turn].admit("k", limit=limit, seconds=60)[0]
            for turn in itertools.islice(itertools.cycle([0, 1]), limit + 50)
        )
        assert total == limit
        assert len(round_trips) == limit + 50


def test_with_redis_unreachable_the_request_fails_as_before(now, settings):
    """No Redis: the look fails with Redis's error, as every request's
    increment did before; nothing is admitted in the dark."""
    from redis.exceptions import ConnectionError as RedisDown

    settings.THROTTLE_SYNC_SHARE = 0.01
    counter = WindowCounter("test process")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    with pytest.raises(RedisDown):
        counter.admit("k", limit=600, seconds=60)
    with pytest.raises(RedisDown):
        throttles.count_in_window("k", 60)


@pytest.mark.redis
def test_a_look_is_one_round_trip_to_redis(now, monkeypatch):
    """The increment and the window's expiry go in one pipeline: one round
    trip per look (Django's cache ``incr`` takes two)."""
    from redis.client import Pipeline, Redis

    calls: list[str] = []
    execute_command = Redis.execute_command
    execute = Pipeline.execute

    def command(self, *args, **kwargs):
        calls.append(str(args[0]))
        return execute_command(self, *args, **kwargs)

    def pipeline(self, *args, **kwargs):
        calls.append("pipeline")
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(Redis, "execute_command", command)
    monkeypatch.setattr(Pipeline, "execute", pipeline)

    assert throttles._window_add("k:1", 5, 60) == 5
    assert throttles._window_add("k:1", 2, 60) == 7
    assert calls == ["pipeline", "pipeline"]
    assert 0 < cache._cache.get_client().ttl(cache.make_key("k:1")) <= 61


@pytest.fixture
def rates(settings, monkeypatch):
    """3,000 requests a minute per user, as deployed."""
    rates = {"user": "3000/minute", "anon": "2/minute"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    api_settings.reload()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    yield
    api_settings.reload()


def test_api_requests_under_the_limit_rarely_ask_redis(world, rates, round_trips):
    """100 API requests by a station: four looks at the shared count (the
    window's first and one per 30), not 100."""
    client = api_client(world.station)

    answers = [client.get("/api/v1/items/").status_code for _ in range(100)]

    assert answers == [200] * 100
    assert len(round_trips) == 1 + 100 // 30
