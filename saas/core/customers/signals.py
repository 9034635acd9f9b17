"""What happened to customers, told in the transaction of the change to the features built on them.

Customers know nothing of what other features keep about them (classification keeps each
customer's figures, tier and stage). Records, activity and merges send these signals as they
write, and the application connects the receivers (:func:`saas.app.create_app`); a receiver
writes in the same transaction, and its exception undoes the change, as a direct call would.
Modules hear of the same changes through events instead: after the commit, per workspace.

Each signal's sender is what it names: ``created.send([ids])``, ``activity_changed.send([ids])``,
``merged.send(survivor_id, merged_id=...)``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

created = _signals.signal("customers.created", doc="New customers, by id.")
activity_changed = _signals.signal("customers.activity_changed", doc=(
    "What customers' figures are computed from changed, by id: a purchase, refund or interaction "
    "was recorded, a customer was restored, or absorbed another in a merge."))
merged = _signals.signal("customers.merged", doc=(
    "The survivor's id, ``merged_id`` the tombstone's: move what you keep of the merged customer "
    "(after its purchases and interactions moved, before the survivor's figures are refreshed)."))
