"""Intake: requests from every channel become tickets, with suggestions for the agent."""
