"""The in-memory channel layer cleans expired entries at most once per `clean_every` seconds.

A message's expiry is wall-clock time (time-machine moves it); the interval is monotonic time,
which time-machine leaves alone, so a test sets `_cleaned_at` back by the interval instead.
"""

import time

import time_machine
from channels import layers as channels_layers

from cxloop.chat.layers import InMemoryChannelLayer
from cxloop.testing import aio

GROUP = "chat.visitor.7"
EVENT = {"type": "chat.event", "event": {"type": "typing", "from": "agent"}}


class CountedCleanUp(channels_layers.InMemoryChannelLayer):
    """Channels' own layer, counting its full clean-ups."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clean_ups = 0

    def _clean_expired(self):
        self.clean_ups += 1
        super()._clean_expired()


class CountedLayer(InMemoryChannelLayer, CountedCleanUp):
    """cxloop's layer over the counting one: its `super()._clean_expired()` is counted."""


def test_a_channel_whose_messages_expired_leaves_its_groups_once_the_interval_has_passed():
    # given a group of two sockets, one of which stopped reading, and a clean-up just done
    layer = InMemoryChannelLayer(expiry=60, clean_every=60.0)

    async def run():
        reader, idle = await layer.new_channel(), await layer.new_channel()
        await layer.group_add(GROUP, reader)
        await layer.group_add(GROUP, idle)
        await layer.group_send(GROUP, EVENT)
        await layer.receive(reader)
        with time_machine.travel(time.time() + 61, tick=False):  # the idle socket's message expired
            await layer.group_send(GROUP, EVENT)
            within_interval = set(layer.groups[GROUP])
            await layer.receive(reader)
            layer._cleaned_at -= layer.clean_every  # the interval has passed
            await layer.group_send(GROUP, EVENT)
            after_interval = set(layer.groups[GROUP])
        return reader, idle, within_interval, after_interval

    # when messages go to the group before and after the interval has passed
    reader, idle, within_interval, after_interval = aio.run(run())

    # then the idle socket stays in the group until the interval has passed, and then leaves it
    assert within_interval == {reader, idle}
    assert after_interval == {reader}


def test_many_group_sends_within_the_interval_run_the_full_clean_up_once():
    # given a group with a socket in it
    layer = CountedLayer(clean_every=60.0)

    async def run():
        channel = await layer.new_channel()
        await layer.group_add(GROUP, channel)
        for _ in range(200):
            await layer.group_send(GROUP, EVENT)
            await layer.receive(channel)
        within_interval = layer.clean_ups
        layer._cleaned_at -= layer.clean_every  # the interval has passed
        await layer.group_send(GROUP, EVENT)
        return within_interval, layer.clean_ups

    # when 200 messages are sent to it and read within the interval, then one more after it
    within_interval, after_interval = aio.run(run())

    # then Channels' full clean-up ran once for the 400 sends and receives, and once more after
    assert within_interval == 1
    assert after_interval == 2
