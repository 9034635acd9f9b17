"""Marshmallow fields the API shares."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma


class UTCDateTime(ma.fields.AwareDateTime):
    """An aware datetime, converted to UTC as it is loaded.

    ``9999-12-31T23:59:59-01:00`` is a valid timestamp that has no UTC equivalent (year 10000);
    converting here turns it into a validation error instead of an ``OverflowError`` later.
    """

    default_error_messages = {"out_of_range": "Not a datetime that can be expressed in UTC."}

    def _deserialize(self, value, attr, data, **kwargs) -> dt.datetime:
        aware = super()._deserialize(value, attr, data, **kwargs)
        try:
            return aware.astimezone(dt.timezone.utc)
        except OverflowError as error:
            raise self.make_error("out_of_range") from error
