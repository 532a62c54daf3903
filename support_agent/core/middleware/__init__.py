"""The agent middleware the builders put around every step's model and tools."""

from support_agent.core.middleware.step_config import StepConfigMiddleware, StepRequirementError

__all__ = ["StepConfigMiddleware", "StepRequirementError"]
