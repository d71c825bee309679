"""Buffer health follows seed section 5.6 exactly: HEALTHY, LOW (1-3 empty), CRITICAL (4+ or <24h)."""

import datetime as dt

import pytest

from toby_pipelines.buffer.health import buffer_health, worst
from toby_pipelines.buffer.slots import Slot, slots_in_window

NOW = dt.datetime(2026, 5, 1, 6, 0, tzinfo=dt.UTC)
SLOTS = slots_in_window("b", "reel", ["08:00", "20:00"], NOW, NOW + dt.timedelta(hours=48))


def _filled_except(*hours_ahead):
    empty = {NOW + dt.timedelta(hours=h) for h in hours_ahead}
    return {s for s in SLOTS if s.at not in empty}


def test_window_has_four_slots():
    assert [s.at.hour for s in SLOTS] == [8, 20, 8, 20]


@pytest.mark.parametrize(
    ("empty_hours", "status"),
    [
        ((), "HEALTHY"),
        ((38,), "LOW"),  # one empty slot 38h ahead: 1-3 empty, 24h+ covered
        ((26, 38), "LOW"),
        ((14,), "CRITICAL"),  # content runs out in 14h (< 24h)
        ((2, 14, 26, 38), "CRITICAL"),  # 4 empty
    ],
)
def test_health_states(empty_hours, status):
    assert buffer_health(SLOTS, _filled_except(*empty_hours), NOW).status == status


def test_four_empty_slots_beyond_24h_are_critical():
    slots = slots_in_window(
        "b", "reel", ["01:00", "02:00", "03:00", "04:00"], NOW, NOW + dt.timedelta(hours=48)
    )
    later = [s for s in slots if s.at - NOW >= dt.timedelta(hours=24)]
    filled = set(slots) - set(later)
    assert len(later) == 4
    assert buffer_health(slots, filled, NOW).status == "CRITICAL"


def test_slots_of_two_brands_at_the_same_time_are_distinct():
    at = NOW + dt.timedelta(hours=30)
    slots = [Slot(at, "a", "reel"), Slot(at, "b", "reel")]
    assert buffer_health(slots, {slots[0]}, NOW).status == "LOW"


def test_worst_status():
    assert worst(["HEALTHY", "LOW"]) == "LOW"
    assert worst([]) == "HEALTHY"


def test_bad_slot_time_is_named():
    with pytest.raises(ValueError, match="25:61"):
        slots_in_window("b", "reel", ["25:61"], NOW, NOW + dt.timedelta(days=1))


class _EveryonesFilledSlots:
    """All brands' filled slots, as the planner holds them: asked about a slot, never walked."""

    def __init__(self, slots):
        self._slots = frozenset(slots)

    def __contains__(self, slot):
        return slot in self._slots

    def __iter__(self):
        raise AssertionError("one brand's health walked every brand's filled slots")


def test_health_asks_only_about_the_brands_own_slots():
    # Copying every brand's filled slots for each brand made the steady tick quadratic in brands
    # (60 s of 144 s at 10,000 brands).
    assert buffer_health(SLOTS, _EveryonesFilledSlots(_filled_except(38)), NOW).status == "LOW"
