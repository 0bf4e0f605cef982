"""Errors shared by the instruction IR and the operations that check it."""


class InstructionError(ValueError):
    """An instruction that can't be parsed or compiled; the message says where and why."""
