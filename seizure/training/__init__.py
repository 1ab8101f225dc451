"""Lightning training pieces: data module and LightningModule."""
