"""Fine-tuning an instruction model on ranked instructions (the paper's Phase 1 model)."""
