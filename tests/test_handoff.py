"""handoff.network_first: a short switch interval while it is held, the old one after."""

from __future__ import annotations

import sys
import threading

from intacct_reconcile.handoff import PROMPT_S, network_first


def test_the_interval_is_short_while_held_and_restored_by_the_last_holder() -> None:
    before = sys.getswitchinterval()
    assert before > PROMPT_S
    with network_first():
        assert sys.getswitchinterval() == PROMPT_S
        with network_first():
            assert sys.getswitchinterval() == PROMPT_S
        assert sys.getswitchinterval() == PROMPT_S  # the outer holder still holds it
    assert sys.getswitchinterval() == before


def test_holders_on_two_threads_restore_it_once_both_left() -> None:
    before = sys.getswitchinterval()
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with network_first():
            entered.set()
            release.wait(10)

    other = threading.Thread(target=hold)
    other.start()
    assert entered.wait(10)
    with network_first():
        pass
    assert sys.getswitchinterval() == PROMPT_S  # the other thread still holds it
    release.set()
    other.join()
    assert sys.getswitchinterval() == before


def test_an_error_inside_still_restores_it() -> None:
    before = sys.getswitchinterval()
    try:
        with network_first():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert sys.getswitchinterval() == before
