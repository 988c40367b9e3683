"""A handler switch holds for the block that turned it on, in that thread only."""

from __future__ import annotations

import threading

from jigsaw.events import HandlerSwitch


def test_a_switch_is_on_inside_its_block_and_nesting_restores_it() -> None:
    switch = HandlerSwitch("test_switch_nesting")
    assert not switch.is_on
    with switch.on():
        assert switch.is_on
        with switch.on():
            assert switch.is_on
        assert switch.is_on  # the inner block ending leaves the outer one's state
    assert not switch.is_on


def test_a_switch_turned_on_in_one_thread_is_off_in_another() -> None:
    switch = HandlerSwitch("test_switch_threads")
    seen: list[bool] = []
    with switch.on():
        other = threading.Thread(target=lambda: seen.append(switch.is_on))
        other.start()
        other.join()
        assert switch.is_on
    assert seen == [False]


def test_a_switch_is_off_again_after_the_block_raises() -> None:
    switch = HandlerSwitch("test_switch_raises")
    try:
        with switch.on():
            raise RuntimeError("the block failed")
    except RuntimeError:
        pass
    assert not switch.is_on
