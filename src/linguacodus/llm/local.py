"""A model folder run in this process with transformers (`--llm hf:PATH`): the same chat
interface as a server, for a fine-tuned instruction model (the paper's Llama-2 with a LoRA
adapter, say) without serving it. transformers, torch and (for adapters) peft are imported
on first use; install them with `pip install torch 'linguacodus[local]'`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from linguacodus.llm.ledger import LLMError


@dataclass(frozen=True)
class LocalAnswer:
    content: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" or "length"


class LocalModel:
    """Loads the folder on the first request; greedy decoding (the pipeline asks for
    temperature 0 everywhere), on the GPU where torch sees one."""

    def __init__(self, folder: str, max_new_tokens: int) -> None:
        self.folder = Path(folder)
        self.max_new_tokens = max_new_tokens
        self._loaded = None

    def _load(self):
        if self._loaded is None:
            try:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer
            except ImportError as error:
                raise LLMError(f"hf:{self.folder} needs transformers and torch ({error}); "
                               "pip install torch 'linguacodus[local]'") from None
            try:
                tokenizer = AutoTokenizer.from_pretrained(self.folder)
                if (self.folder / "adapter_config.json").exists():
                    from peft import AutoPeftModelForCausalLM  # a LoRA adapter on its base

                    model = AutoPeftModelForCausalLM.from_pretrained(self.folder)
                else:
                    model = AutoModelForCausalLM.from_pretrained(self.folder)
            except (OSError, ValueError, ImportError) as error:
                raise LLMError(f"hf:{self.folder} can't be loaded: {error}") from None
            device = "cuda" if torch.cuda.is_available() else "cpu"
            self._loaded = (torch, tokenizer, model.to(device).eval(), device)
        return self._loaded

    def chat(self, messages: list[dict]) -> LocalAnswer:
        torch, tokenizer, model, device = self._load()
        if not getattr(tokenizer, "chat_template", None):
            raise LLMError(f"hf:{self.folder}: the tokenizer has no chat template")
        prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        prompt = list(prompt["input_ids"] if hasattr(prompt, "keys") else prompt)
        with torch.no_grad():
            output = model.generate(torch.tensor([prompt], device=device), do_sample=False,
                                    max_new_tokens=self.max_new_tokens,
                                    pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
        new = output[0][len(prompt):].tolist()
        ended = bool(new) and new[-1] == tokenizer.eos_token_id
        return LocalAnswer(tokenizer.decode(new, skip_special_tokens=True), len(prompt), len(new),
                           "stop" if ended or len(new) < self.max_new_tokens else "length")
