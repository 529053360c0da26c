"""The shared layer: helpers that several loss families use, written once.

A family imports from here or from the core, never from another family.
"""
