"""Tickets (工单): the closed loop from 受理 to 办结."""
