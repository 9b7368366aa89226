"""The routine engine on its own: segments, moves, progress, continuous mode."""

from __future__ import annotations

import json

import pytest

from skill.engine import Player, Routine, Segment, Step, Text, segment_seconds


def step(kind="hold", sides="one", seconds=0, reps=0, sets=1, title="Step") -> Step:
    return Step(Text(title), Text("Do the thing."), kind=kind, sides=sides, seconds=seconds,
                reps=reps, sets=sets)


ROUTINE = Routine("r", Text("test routine"), (
    step("hold", "both", seconds=45, title="A"),
    step("reps", reps=10, sets=2, title="B"),
    step("rolling", seconds=130, title="C"),
    step("instruction", title="D"),
))


def test_segments_cover_sides_sets_and_parts():
    assert ROUTINE.segments() == (
        Segment(0, "left"), Segment(0, "right"),
        Segment(1, None, 1), Segment(1, None, 2),
        Segment(2, None, 1, 0), Segment(2, None, 1, 1), Segment(2, None, 1, 2),
        Segment(3),
    )
    assert [s.opens_step for s in ROUTINE.segments()] == [
        True, False, True, False, True, False, False, True]


def test_a_long_step_is_split_into_parts_of_at_most_a_minute():
    long_roll = ROUTINE.steps[2]
    assert long_roll.parts == 3
    assert [long_roll.part_window(p) for p in range(3)] == [(0, 60), (60, 120), (120, 130)]
    many_reps = step("reps", reps=30)
    assert many_reps.parts == 2 and many_reps.part_window(1) == (20, 30)


def test_next_walks_to_the_end_and_reports_done():
    player = Player.start(ROUTINE)
    moves = 0
    while player.next():
        moves += 1
    assert moves == len(ROUTINE.segments()) - 1
    assert player.done and player.at_end


def test_previous_goes_to_the_start_of_the_previous_step():
    player = Player.start(ROUTINE)
    player.position = 3  # step B, set 2
    assert player.previous() is True
    assert player.segment == Segment(0, "left")
    assert player.previous() is False and player.position == 0


def test_skip_jumps_to_the_next_step_and_finishes_on_the_last():
    player = Player.start(ROUTINE)
    assert player.skip() and player.segment == Segment(1, None, 1)
    player.position = len(ROUTINE.segments()) - 1
    assert player.skip() is False and player.done


def test_pause_resume_start_over():
    player = Player.start(ROUTINE)
    player.next()
    player.pause()
    assert player.paused and player.position == 1
    player.resume()
    assert not player.paused
    player.start_over()
    assert player.position == 0 and not player.done


def test_state_is_small_json_and_round_trips():
    player = Player.start(ROUTINE, continuous=True)
    player.next()
    player.pause()
    state = json.loads(json.dumps(player.state()))
    again = Player.restore(ROUTINE, state)
    assert again.state() == player.state()
    assert len(json.dumps(state)) < 140


def test_restore_clamps_a_position_from_an_older_routine():
    assert Player.restore(ROUTINE, {"routine": "r", "position": 99}).at_end
    assert Player.restore(ROUTINE, {"routine": "r", "position": -3}).position == 0


def test_progress_counts_steps_and_time_left():
    player = Player.start(ROUTINE)
    first = player.progress()
    assert (first.step, first.steps, first.steps_left) == (1, 4, 4) and first.starts_step
    assert first.seconds_left == pytest.approx(ROUTINE.seconds())
    player.position = 4
    later = player.progress()
    assert later.step == 3 and later.seconds_left < first.seconds_left


def test_what_was_just_played_is_not_counted_as_left():
    player = Player.start(ROUTINE)
    player.settle()
    player.play()  # the left side of step A
    times = ROUTINE.segment_times()
    left = player.progress()
    assert left.seconds_left == pytest.approx(sum(times[1:]))
    assert (left.step, left.starts_step) == (1, False)  # the right side is next
    player.next()
    player.play()  # the right side: step B is next
    assert player.progress().step == 2 and player.progress().starts_step
    player.position = len(ROUTINE.segments()) - 1
    assert player.progress().seconds_left == 0


def test_routine_length_is_what_its_segments_take_to_hear():
    assert ROUTINE.seconds() == pytest.approx(sum(segment_seconds(ROUTINE, s)
                                                  for s in ROUTINE.segments()))
    assert ROUTINE.seconds() > 45 * 2 + 10 * 2 * 3 + 130  # holds, reps and roll at least


def test_nothing_plays_until_the_user_is_in_position():
    player = Player.start(ROUTINE)
    assert player.play() == [] and not player.ready
    player.settle()
    assert player.play() == [Segment(0, "left")]
    player.wait()
    again = Player.restore(ROUTINE, json.loads(json.dumps(player.state())))
    assert again.play() == []


def test_to_side_goes_to_that_side_of_the_current_set():
    player = Player.start(ROUTINE)
    assert player.to_side("right") and player.segment == Segment(0, "right")
    assert player.to_side("left") and player.position == 0
    player.position = 2  # step B has no sides
    assert player.to_side("right") is False and player.position == 2


def test_step_mode_plays_one_segment():
    player = Player.start(ROUTINE)
    player.settle()
    assert player.play() == [Segment(0, "left")]
    assert player.position == 0


def test_continuous_mode_plays_as_much_as_fits_in_the_budget():
    player = Player.start(ROUTINE, continuous=True)
    player.settle()
    player.position = 2  # two sets of ten reps fit together; the long roll does not
    played = player.play()
    assert played == [Segment(1, None, 1), Segment(1, None, 2)]
    assert sum(segment_seconds(ROUTINE, s) for s in played) <= 90
    following = ROUTINE.segments()[player.position + 1]
    assert sum(segment_seconds(ROUTINE, s) for s in [*played, following]) > 90
    assert player.segment == played[-1]


def test_continuous_mode_uses_the_given_cost():
    player = Player.start(ROUTINE, continuous=True)
    player.settle()
    assert len(player.play(cost=lambda segment: 10.0, budget=35)) == 3


def test_localised_text_falls_back_to_english():
    text = Text.of({"en-US": "sneakers", "en-GB": "trainers"})
    assert text.get("en-GB") == "trainers"
    assert text.get("en-AU") == "sneakers"
    assert Text.of({"en": "shoes"}).get("en-IN") == "shoes"
