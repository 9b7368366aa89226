"""Two app instances on one PostgreSQL database: a user moving between them keeps one progress.

A load balancer may send each turn of a session to a different instance; session attributes
travel with the request, the saved place lives in the database. The client here switches
instance between turns, and a new session starts on the other instance after a pause.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from skill.store import open_store
from tests.support.client import DemoPack, LiveServer, SkillClient, make_app
from tests.test_store_contract import envelope, postgres_database


@pytest.fixture
def instances(tmp_path, chain) -> Iterator[tuple[LiveServer, LiveServer, str]]:
    """Two instances of the demo app, each with its own pool, on one fresh database."""
    with postgres_database() as url:
        apps = [make_app(tmp_path / name, chain, load="", plugins={"demo": DemoPack()},
                         database_url=url) for name in ("a", "b")]
        try:
            with LiveServer(apps[0]) as first, LiveServer(apps[1]) as second:
                yield first, second, url
        finally:
            for app in apps:
                app.extensions["hamstring"]["store"].close()


def on(client: SkillClient, server: LiveServer) -> SkillClient:
    """Send the client's next turn to ``server``."""
    client.url = server.url + "/alexa"
    return client


def saved(url: str, user: str) -> dict:
    """What the shared database holds for ``user``, read through a third store."""
    store = open_store(url)
    try:
        return store.get_attributes(request_envelope=envelope(user))
    finally:
        store.close()


def test_a_session_alternating_between_instances_keeps_one_progress(instances, chain):
    a, b, url = instances
    client = SkillClient(a.url, chain, user_id="amzn1.ask.account.scale")
    on(client, b).say("StartRoutineIntent", routine="demo routine")
    answer = on(client, a).say("AMAZON.NextIntent")  # in position
    assert "Step 1 of 4: Lying stretch." in answer.text
    assert "Now the right side." in on(client, b).say("AMAZON.NextIntent").text
    assert "Step 2 of 4: Bridges." in on(client, a).say("AMAZON.NextIntent").text
    assert "step 2 of 4" in on(client, b).say("ProgressIntent").text  # set two is next
    assert "Set two of two." in on(client, b).say("AMAZON.NextIntent").text
    paused = on(client, b).say("AMAZON.PauseIntent")
    assert paused.ends and "step 2 of 4" in paused.text
    assert saved(url, client.user_id)["player"]["position"] == 3

    # A new session on the instance that did not save the place: it must read B's write.
    welcome = on(client, a).launch()
    assert "Welcome back. You were on step 2 of 4 of the demo routine." in welcome.text
    assert "in position" in on(client, a).say("AMAZON.YesIntent").text
    assert "Set two of two." in on(client, b).say("AMAZON.NextIntent").text
    assert "Step 3 of 4: Long roll." in on(client, a).say("AMAZON.NextIntent").text
    on(client, a).end()
    resumed = on(client, b).say("AMAZON.ResumeIntent")  # one-shot, on the other instance
    assert "Picking up at step 3 of 4 of the demo routine: long roll." in resumed.text

    answer, turns = resumed, 0
    while not answer.ends and turns < 10:
        answer = on(client, (a, b)[turns % 2]).say("AMAZON.NextIntent")
        turns += 1
    assert answer.card["title"] == "Routine finished"
    record = saved(url, client.user_id)
    assert "player" not in record
    assert record["history"][-1]["routine"] == "demo-routine"


def test_two_users_on_two_instances_do_not_mix(instances, chain):
    a, b, url = instances
    first = SkillClient(a.url, chain, user_id="amzn1.ask.account.one")
    second = SkillClient(b.url, chain, user_id="amzn1.ask.account.two")
    first.say("StartRoutineIntent", routine="demo routine")
    second.say("StartRoutineIntent", routine="demo routine")
    on(first, a).say("AMAZON.NextIntent")  # both in position: the first sides play
    on(second, a).say("AMAZON.NextIntent")
    on(first, b).say("AMAZON.NextIntent")
    on(first, a).say("AMAZON.NextIntent")
    on(second, a).say("AMAZON.NextIntent")
    on(first, b).say("AMAZON.PauseIntent")
    on(second, b).say("AMAZON.PauseIntent")
    assert saved(url, first.user_id)["player"]["position"] == 2
    assert saved(url, second.user_id)["player"]["position"] == 1
