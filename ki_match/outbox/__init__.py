"""The transactional outbox: a mail is a row written with the change that caused it, and a worker delivers it.

Bottom of the house: ``queue.queue_mail`` renders a message in its
recipient's language and adds the row to the caller's transaction — nothing
more. Deciding *who* is told about a change lives above the domains, in
``ki_match.notifications``. ``delivery`` is the worker's side (claim, hand over
once, mark), ``preferences`` the mail kinds a person may switch off, ``links``
the account links made only when a mail is sent, ``retention`` how long a body stays.
"""
