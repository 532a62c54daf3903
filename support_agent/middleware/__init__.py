from support_agent.middleware.step_config import StepConfigMiddleware, StepRequirementError

__all__ = ["StepConfigMiddleware", "StepRequirementError"]
