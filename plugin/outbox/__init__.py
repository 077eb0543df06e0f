"""The outbox: the single way anything leaves the building (xAPI statements, AGS scores).

A feature writes an :class:`~plugin.outbox.models.OutboxMessage` in the same transaction as the change
that causes it (:func:`~plugin.outbox.services.enqueue`); ``skillbite worker`` claims and delivers it
through the deliverer registered for its kind (:mod:`plugin.outbox.registry`).
"""
