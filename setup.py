"""Build hook only (metadata is in pyproject.toml): ship rules/*.yml in the wheel as
bot/rules/, and the demo's example PR (examples/demo) as bot/examples/demo/.

Both stay at the repository's top level for editing and review; a build copies them
into the package so `pip install panicscan` (then `panicscan demo`) works with no
checkout around (`bot.rulefiles` and `bot.demo` look inside the package first).
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithRules(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's rules/ directly
        target = Path(self.build_lib) / "bot" / "rules"
        self.mkpath(str(target))
        here = Path(__file__).resolve().parent
        for source in sorted(here.joinpath("rules").glob("*.yml")):
            self.copy_file(str(source), str(target / source.name))
        example = here / "examples" / "demo"
        for source in sorted(p for p in example.rglob("*") if p.is_file()):
            copy = Path(self.build_lib) / "bot" / "examples" / "demo" / source.relative_to(example)
            self.mkpath(str(copy.parent))
            self.copy_file(str(source), str(copy))


setup(cmdclass={"build_py": BuildPyWithRules})
