"""The base of errors that describe a problem with what the user asked for."""


class UserError(Exception):
    """A problem with the user's input (config, data, study name or state), not a bug.

    The message says what is wrong and what to do; `mo-orpo` prints it without a traceback
    and exits with status 2.
    """
