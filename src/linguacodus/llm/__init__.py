"""The LLM brain: an OpenAI-compatible client with cache, budget and log (client, cache,
ledger, config), versioned prompts (prompts/), and the stage implementations (understand,
planning, coding) that brain.Brain calls where a stage is given a model."""
