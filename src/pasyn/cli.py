"""`pasyn <stage> <verb>`: a thin command line over each stage's public API.

Stages are imported only when their command runs, so `pasyn --help` stays fast and a stage's heavy
imports (torch, bpy) are paid only by the commands that need them.
"""
from __future__ import annotations

import importlib
import importlib.util

import click

# command name -> (module, attribute, one-line help)
STAGES = {
    "assets": ("pasyn.assets.cli", "cli", "3D animal models and keypoint maps: list, check, preview."),
    "prior": ("pasyn.prior.cli", "cli", "Pose prior: fit, sample, eval, show."),
    "render": ("pasyn.render.cli", "cli", "Render posed animals with Blender Cycles, with exact labels."),
    "stylize": ("pasyn.stylize.cli", "cli", "Blend rendered animals into real background photos."),
    "pose": ("pasyn.pose.cli", "cli", "Pose estimation: train, eval, predict."),
    "dataset": ("pasyn.data.cli", "cli", "Merge, inspect and export datasets."),
    "experiment": ("pasyn.experiment.cli", "cli", "Run a whole experiment from a config."),
    "demo": ("pasyn.experiment.cli", "demo", "The whole pipeline on the built-in zebra, in minutes."),
}


class LazyStages(click.Group):
    def list_commands(self, ctx):
        return [name for name, (module, _, _) in STAGES.items() if importlib.util.find_spec(module)]

    def get_command(self, ctx, name):
        if name not in STAGES:
            return None
        module, attr, _ = STAGES[name]
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as err:
            if err.name == module:
                return None
            raise

    def format_commands(self, ctx, formatter):
        rows = [(name, STAGES[name][2]) for name in self.list_commands(ctx)]
        if not rows:
            return
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyStages, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pasyn")
def main():
    """pasyn: prior-aware synthetic data for animal pose estimation."""


if __name__ == "__main__":
    main()
