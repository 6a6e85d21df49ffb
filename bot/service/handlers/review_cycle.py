"""One review of a PR's current head, keeping one thread per fingerprint across pushes.

Flow: one GraphQL read of the PR and its review threads (closed/merged: nothing; the
bot's own threads are told by author AND marker, no database needed) → check run
in_progress → repo config from the default branch (cached until a push to the default
branch) → scan → a newer head queued for this PR discards the result → plan: post new
fingerprints within the budget, reply "fixed in" + resolve vanished ones → the gate
decides the check run. Whatever fails, the check run is completed.

API calls per review: the GraphQL read, check run create, PR files, one blob per
changed `.rs` file not cached, the review (when there is something new to post), and
one check run PATCH per 50 annotations; config reads only after it changed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cachetools import LRUCache, TTLCache

from bot.clippyfile import CLIPPY_FILES, clippy_config_from
from bot.core.clippy_config import ClippyConfig
from bot.core.diff import parse_file_patch
from bot.core.diff_local import change_from_contents
from bot.core.globs import path_selected
from bot.core.model import FileChange, Finding, Problem, Rule, rule_names
from bot.core.repoconfig import (
    CONFIG_PATH,
    ConfigIssue,
    DraftPolicy,
    LoadedConfig,
    RepoConfig,
    configured_rules,
    load_repo_config,
)
from bot.core.scan import DEFAULT_OPTIONS, ScanOptions, scan, targets_from_diff
from bot.errors import GitHubError, GitHubNotFound, InputError, PanicscanError
from bot.github.port import ConversationGitHubPort, ConversationPortFactory
from bot.github.salvage import ReviewTarget, post_review_salvaging
from bot.github.types import PostedReview, PRFile, RepoRef, ReviewCommentDraft
from bot.report.checkrun import CHECK_NAME
from bot.report.comment import MARKER_RE, render_comment
from bot.service.events import EventContext, get_path
from bot.service.gate import GateInput, decide, error_output
from bot.service.handlers.pull_request import PullRequestEvent
from bot.service.lifecycle import BotThread, NewThread, plan_push
from bot.service.store_effects import PENDING, EffectLog, find_check_run, open_check_run
from bot.service.waiver_store import WaiverStore
from bot.service.waivers import Waiver, apply_waivers

if TYPE_CHECKING:  # the adapter's data type; no PyGithub import at run time
    from bot.github.conversation import PullConversation

log = logging.getLogger(__name__)
Logger = logging.LoggerAdapter[logging.Logger] | logging.Logger

FIXED_MARK = "<!-- panicscan:v1 state=fixed -->"
REOPENED_MARK = "<!-- panicscan:v1 state=reopened -->"
BLOB_CACHE_BYTES = 64 * 1024 * 1024
GITHUB_MAX_PR_FILES = 3000
# Configs are re-read after a push to the default branch changed them (the store's
# generation counter, shared by replicas); the TTL only bounds staleness when GitHub
# never delivered that push.
CONFIG_TTL = 900.0


def markers_in(body: str) -> list[tuple[str, str]]:
    """Every (fingerprint, rule) marker in a comment; grouped comments carry several."""
    return [(m.group(1), m.group(2)) for m in MARKER_RE.finditer(body)]


@dataclass(frozen=True)
class Analysis:
    head_sha: str
    findings: tuple[Finding, ...]  # waived ones marked suppressed="waived"
    changes: Mapping[str, FileChange]
    problems: tuple[Problem, ...]
    files: int
    elapsed_ms: float
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ThreadView:
    thread: BotThread
    html_url: str


class ReviewCycle:
    def __init__(
        self,
        factory: ConversationPortFactory,
        rules: Sequence[Rule],
        waivers: WaiverStore,
        *,
        options: ScanOptions = DEFAULT_OPTIONS,
        bot_login: str | None = None,  # None: ask GitHub (GET /app) on first need
        clock: Callable[[], float] = time.perf_counter,
        effects: EffectLog | None = None,
    ) -> None:
        # The durable store, when there is one: a retried job reuses its check run.
        self._effects = effects
        # Blobs are content-addressed, so a cache keyed by sha never goes stale.
        self._blobs: LRUCache[str, bytes] = LRUCache(maxsize=BLOB_CACHE_BYTES, getsizeof=len)
        # Each cached value carries the config generation(s) it was read at.
        self._configs: TTLCache[str, tuple[tuple[int, int], LoadedConfig]] = TTLCache(
            maxsize=4096, ttl=CONFIG_TTL
        )
        self._clippy: TTLCache[str, tuple[int, tuple[ClippyConfig, list[Problem]]]] = TTLCache(
            maxsize=4096, ttl=CONFIG_TTL
        )
        # The org-wide layer (the owner's `.github` repo) is shared by every repository.
        self._org_layers: TTLCache[str, tuple[int, str | None]] = TTLCache(
            maxsize=1024, ttl=CONFIG_TTL
        )
        # Without a store, generations live here (one process, so nothing to share).
        self._local_generations: dict[str, int] = {}
        self.factory = factory
        self.rules = tuple(rules)
        self.rules_by_id = {r.id: r for r in rules}
        self.waivers = waivers
        self._bot_login = bot_login
        self._options = options
        self._clock = clock
        # Told (inline comments posted, annotations written) after each review: metrics.
        self.on_review: Callable[[int, int], None] = lambda posted, annotations: None

    # -- config ----------------------------------------------------------------------

    async def generation(self, repo_full_name: str) -> int:
        """Bumped whenever a push to the repository's default branch touched a config."""
        if self._effects is not None:
            return await self._effects.config_generation(repo_full_name)
        return self._local_generations.get(repo_full_name, 0)

    async def config_changed(self, repo_full_name: str) -> None:
        """A push to the default branch changed (or may have changed) a config file."""
        if self._effects is not None:
            await self._effects.bump_config_generation(repo_full_name)
        else:
            self._local_generations[repo_full_name] = await self.generation(repo_full_name) + 1
        self._configs.pop(repo_full_name, None)
        self._clippy.pop(repo_full_name, None)
        owner, _, name = repo_full_name.partition("/")
        if name == ".github":
            self._org_layers.pop(owner, None)

    async def load_config(self, port: ConversationGitHubPort, repo: RepoRef) -> LoadedConfig:
        """The org's `.github` repo first, then the repo's own file, both default branch.
        Read again only once a push to either default branch has changed a config."""
        org_repo = f"{repo.owner}/.github"
        generations = (await self.generation(repo.full_name), await self.generation(org_repo))
        cached = self._configs.get(repo.full_name)
        if cached is not None and cached[0] == generations:
            return cached[1]
        loaded = await self._read_config(port, repo, generations[1])
        self._configs[repo.full_name] = (generations, loaded)
        return loaded

    async def _read_config(
        self, port: ConversationGitHubPort, repo: RepoRef, org_generation: int
    ) -> LoadedConfig:
        layers: list[tuple[str, str]] = []
        read_issues: list[ConfigIssue] = []
        sources = [(RepoRef(repo.owner, ".github"), f"{repo.owner}/.github:{CONFIG_PATH}")]
        if repo.name != ".github":
            sources.append((repo, CONFIG_PATH))
        for where, label in sources:
            org_layer = where.name == ".github"
            known = self._org_layers.get(where.owner) if org_layer else None
            try:
                if known is not None and known[0] == org_generation:
                    text = known[1]
                else:
                    text = await port.read_default_file(where, CONFIG_PATH)
                    if org_layer:
                        self._org_layers[where.owner] = (org_generation, text)
            except GitHubError as exc:
                log.warning("config %s unreadable: %s", label, exc)
                read_issues.append(ConfigIssue(label, "", f"unreadable, using defaults: {exc}"))
                continue
            if text is not None:
                layers.append((label, text))
        loaded = load_repo_config(layers, known_rules=rule_names(self.rules))
        return dataclasses.replace(loaded, issues=(*read_issues, *loaded.issues))

    async def _clippy_config(
        self, port: ConversationGitHubPort, repo: RepoRef
    ) -> tuple[ClippyConfig, list[Problem]]:
        """clippy.toml (or .clippy.toml) from the default branch, like the repo config: a
        pull request cannot relax its own checks. Problems are reported, never fatal."""
        generation = await self.generation(repo.full_name)
        cached = self._clippy.get(repo.full_name)
        if cached is not None and cached[0] == generation:
            return cached[1]
        texts: dict[str, str | None] = {}
        for name in CLIPPY_FILES:
            try:
                texts[name] = await port.read_default_file(repo, name)
            except GitHubError as exc:
                log.warning("%s of %s unreadable: %s", name, repo.full_name, exc)
                texts[name] = None
            if texts[name] is not None:
                break
        found = clippy_config_from(
            lambda name: None if texts.get(name) is None else str(texts[name]).encode()
        )
        self._clippy[repo.full_name] = (generation, found)
        return found

    # -- analysis --------------------------------------------------------------------

    async def analyse(
        self,
        port: ConversationGitHubPort,
        repo: RepoRef,
        number: int,
        head_sha: str,
        config: RepoConfig,
        *,
        base_sha: str = "",
    ) -> Analysis:
        started = self._clock()
        files = await port.list_pr_files(repo, number)
        changes: dict[str, FileChange] = {}
        problems: list[Problem] = []
        if len(files) >= GITHUB_MAX_PR_FILES:
            # GitHub lists at most 3000 files and says nothing about the rest.
            problems.append(
                Problem(
                    "(pull request)",
                    f"GitHub lists only the first {GITHUB_MAX_PR_FILES} files of a pull "
                    "request; files beyond them were not analysed",
                )
            )
        excluded = 0
        for f in files:
            if not path_selected(f.filename, config.include, config.exclude):
                excluded += 1
                continue
            if f.patch is None:
                if f.filename.endswith(".rs") and f.status != "removed":
                    local = await self._local_change(port, repo, f, base_sha)
                    if local is None:
                        problems.append(
                            Problem(
                                f.filename, "GitHub sent no patch (binary or too large); skipped"
                            )
                        )
                    else:
                        changes[f.filename] = local
                        problems.append(
                            Problem(
                                f.filename,
                                "GitHub shows no diff for this file (too large); it was "
                                "compared with its base here, and its findings are "
                                "annotations only",
                            )
                        )
                continue
            try:
                changes[f.filename] = parse_file_patch(
                    f.filename, f.patch, status=f.status, old_path=f.previous_filename
                )
            except InputError as exc:
                problems.append(Problem(f.filename, f"patch unreadable, not analysed: {exc}"))
        targets, diff_problems = targets_from_diff(list(changes.values()))
        problems += diff_problems
        shas = {f.filename: f.sha for f in files}
        sources: dict[str, bytes | None] = {}
        for target in targets:
            sources[target.path] = await self._blob(port, repo, shas.get(target.path))
        clippy, clippy_problems = await self._clippy_config(port, repo)
        problems += clippy_problems
        options = dataclasses.replace(
            self._options, include_tests=config.include_tests, clippy=clippy
        )
        # CPU-bound: off the event loop, so webhooks are still acknowledged meanwhile.
        result = await asyncio.to_thread(
            scan, targets, sources, configured_rules(self.rules, config), options, problems=problems
        )
        waivers = await self.waivers.waivers((repo.full_name, number))
        findings = apply_waivers(result.findings, waivers)
        notes = (f"{excluded} file(s) excluded by the config's paths.",) if excluded else ()
        return Analysis(
            head_sha,
            tuple(findings),
            changes,
            result.problems,
            result.stats.files,
            (self._clock() - started) * 1000,
            notes,
        )

    async def _local_change(
        self, port: ConversationGitHubPort, repo: RepoRef, f: PRFile, base_sha: str
    ) -> FileChange | None:
        """The change of a file GitHub sent no patch for, from its base and head blobs."""
        head = await self._blob(port, repo, f.sha)
        if head is None or b"\0" in head[:8192]:
            return None  # unavailable, or binary
        base: bytes | None = None
        if f.status != "added":
            if not base_sha:
                return None
            try:
                sha = await port.blob_sha_at(repo, f.previous_filename or f.filename, base_sha)
            except GitHubError as exc:
                log.warning("base of %s unavailable: %s", f.filename, exc)
                return None
            base = await self._blob(port, repo, sha)
            if base is None:
                return None
        return await asyncio.to_thread(
            change_from_contents, f.filename, base, head, old_path=f.previous_filename
        )

    async def _blob(
        self, port: ConversationGitHubPort, repo: RepoRef, sha: str | None
    ) -> bytes | None:
        if sha is None:
            return None
        cached = self._blobs.get(sha)
        if cached is not None:
            return cached
        try:
            data = await port.get_blob(repo, sha)
        except GitHubError as exc:
            # Without the head file the hunk text alone is analysed (partial context).
            log.warning("blob %s unavailable (%s); using hunk text", sha[:7], exc)
            return None
        if len(data) <= self._options.max_file_bytes:
            self._blobs[sha] = data
        return data

    # -- threads ---------------------------------------------------------------------

    async def bot_threads(self, conversation: PullConversation) -> list[ThreadView]:
        """The bot's own inline threads: authored by our app AND carrying a marker."""
        login = await self.login()
        mine = [c for c in conversation.comments if c.user == login]
        state: dict[int, bool] = {}
        for c in sorted(mine, key=lambda c: c.id):
            if c.in_reply_to_id is not None and FIXED_MARK in c.body:
                state[c.in_reply_to_id] = True
            elif c.in_reply_to_id is not None and REOPENED_MARK in c.body:
                state[c.in_reply_to_id] = False
        ids = {
            t.root_comment_id: (t.id, t.resolved)
            for t in conversation.threads
            if t.root_comment_id is not None
        }
        views = []
        for c in mine:
            found = markers_in(c.body)
            if c.in_reply_to_id is not None or not found:
                continue
            thread_id, resolved = ids.get(c.id, (None, False))
            views.append(
                ThreadView(
                    BotThread(
                        comment_id=c.id,
                        fingerprints=tuple(fp for fp, _ in found),
                        rule=found[0][1],
                        path=c.path,
                        resolved=state.get(c.id, resolved),
                        thread_id=thread_id,
                    ),
                    c.html_url,
                )
            )
        return views

    async def login(self) -> str:
        """The bot user's login (`<app slug>[bot]`): only its comments are trusted."""
        if self._bot_login is None:
            self._bot_login = await self.factory.bot_login()
        return self._bot_login

    # -- installations ---------------------------------------------------------------

    async def forget_installation(self, ctx: EventContext) -> None:
        """installation.deleted/suspend, installation_repositories.removed: drop its tokens."""
        if ctx.installation_id is None:
            ctx.logger.warning("%s without an installation id; ignored", ctx.key)
            return
        self.factory.forget(ctx.installation_id)
        ctx.logger.info("installation %s: %s; cached token dropped", ctx.installation_id, ctx.key)

    # -- the whole review ------------------------------------------------------------

    async def handle_pull_request(self, ctx: EventContext) -> None:
        """pull_request opened/synchronize/reopened/ready_for_review."""
        event = PullRequestEvent.from_payload(ctx.payload)
        if event is None:
            ctx.logger.warning("pull_request payload lacks the fields a review needs; ignored")
            return
        if event.state != "open":
            ctx.logger.info("PR #%s is %s; nothing to review", event.number, event.state)
            return
        draft = get_path(ctx.payload, "pull_request", "draft", type=bool) is True
        await self.run(
            event.repo,
            event.number,
            event.installation_id,
            ctx.logger,
            draft_hint=draft,
            event_head=event.head_sha,
        )

    async def run(
        self,
        repo: RepoRef,
        number: int,
        installation_id: int,
        logger: Logger,
        *,
        draft_hint: bool = False,
        skip_if_checked: bool = False,
        event_head: str | None = None,
    ) -> None:
        """Review the PR's head. A pull_request event names its head (`event_head`); when the
        PR has moved past it, a newer event reviews the newer head and this one stops."""
        where = f"{repo.full_name}#{number}"
        try:
            port = await self.factory.for_installation(installation_id)
            conversation = await port.pull_conversation(repo, number)
            pr = conversation.pull
            if event_head is not None and event_head != pr.head_sha:
                # A newer push has its own event and job; only close what an earlier,
                # dead attempt of this one may have left in progress.
                await self._close_superseded(port, repo, event_head, pr.head_sha)
                logger.info("%s moved on to %s; this event is stale", where, pr.head_sha[:7])
                return
            if pr.state != "open" or pr.merged:
                logger.info("%s is %s; nothing posted", where, pr.state)
                return
            if skip_if_checked and CHECK_NAME in await port.check_run_names(repo, pr.head_sha):
                logger.info("%s already has a %s check run", pr.head_sha[:7], CHECK_NAME)
                return
            check_id = await open_check_run(port, self._effects, repo, pr.head_sha, CHECK_NAME)
        except GitHubNotFound as exc:
            # Uninstalled, repo gone or made private: nothing to review, nothing to report.
            logger.warning("not reviewing %s: installation or repository is gone (%s)", where, exc)
            return
        except GitHubError as exc:
            # No check run exists yet, so nothing is left in_progress; the job may retry.
            logger.error("could not start reviewing %s: %s", where, exc)
            raise
        try:
            await self._run(
                port,
                repo,
                conversation,
                draft=pr.draft or draft_hint,
                check_id=check_id,
            )
        except GitHubNotFound as exc:
            logger.warning("%s vanished mid-review: %s", where, exc)
            await self._fail(port, repo, check_id, pr.head_sha, str(exc), conclusion="neutral")
        except (PanicscanError, OSError) as exc:
            logger.error("review of %s failed: %s", where, exc)
            await self._fail(port, repo, check_id, pr.head_sha, str(exc))
        except asyncio.CancelledError:
            # With the durable queue a cancelled job (shutdown, lost lease) goes back to
            # the queue and runs again on this run, or is dead-lettered, which completes
            # it: a "failure" now would flash a wrong verdict. Without it, nothing will.
            if self._effects is None:
                await asyncio.shield(self._fail(port, repo, check_id, pr.head_sha, "job cancelled"))
            raise
        except Exception as exc:
            # Deliberately broad: the check run must never be left in_progress.
            logger.exception("unexpected error reviewing %s#%s", repo.full_name, number)
            await self._fail(
                port, repo, check_id, pr.head_sha, f"internal error ({type(exc).__name__})"
            )
            raise

    async def _run(
        self,
        port: ConversationGitHubPort,
        repo: RepoRef,
        conversation: PullConversation,
        *,
        draft: bool,
        check_id: int,
    ) -> None:
        number, head_sha = conversation.pull.number, conversation.pull.head_sha
        base_sha = conversation.pull.base_sha
        loaded = await self.load_config(port, repo)
        config = loaded.config
        if not config.enabled:
            gate = decide(
                GateInput(
                    (),
                    {},
                    {},
                    (),
                    0,
                    "never",
                    config_issues=loaded.issues,
                    notes=("panicscan is disabled by the repository config.",),
                )
            )
            await port.complete_check_run_with_actions(repo, check_id, "success", gate.output)
            return
        analysis = await self.analyse(port, repo, number, head_sha, config, base_sha=base_sha)
        newer = await self._effects.newer_head(repo, number, head_sha) if self._effects else None
        if newer is not None:
            # A push arrived meanwhile and its job waits: only the newest head is
            # reviewed, so this result is dropped (the store knows; GitHub is not asked).
            log.info("%s#%s moved to %s; discarding", repo.full_name, number, newer[:7])
            out = error_output(f"superseded by the newer head {newer[:7]}", head_sha)
            await port.complete_check_run_with_actions(repo, check_id, "cancelled", out, ())
            return
        views = await self.bot_threads(conversation)
        inline = not draft or config.drafts is DraftPolicy.FULL
        notes = list(analysis.notes)
        if not inline:
            notes.append("Draft PR: findings are reported here; inline comments wait for review.")
        waived = {f.fingerprint for f in analysis.findings if f.suppressed == "waived"}
        present = [f for f in analysis.findings if f.suppressed in (None, "waived")]
        plan = plan_push(
            present,
            [v.thread for v in views],
            budget=config.comment_budget if inline else 0,
            commentable={p: c.commentable_lines for p, c in analysis.changes.items()},
        )
        recorded = await self._effects.posted(repo, number) if self._effects else frozenset()
        post = [
            t
            for t in plan.post
            if not set(t.fingerprints) <= waived and not set(t.fingerprints) <= recorded
        ]
        not_inline = [f for f in plan.over_budget if f.fingerprint not in waived]
        problems = list(analysis.problems)
        refused = 0
        links: dict[str, str] = {}
        if inline:
            rejected, links = await self._post(port, repo, conversation, post)
            for thread, reason in rejected:
                refused += 1
                problems.append(
                    Problem(thread.anchor.path, f"inline comment refused by GitHub: {reason}")
                )
                not_inline += [thread.anchor, *thread.grouped]
            await self._close_and_reopen(
                port,
                repo,
                number=number,
                head_sha=head_sha,
                fixed=plan.fixed,
                returned=plan.returned,
            )
        # New threads are linked by their line in the diff: no read-back of the review.
        threads = {fp: v.html_url for v in views for fp in v.thread.fingerprints} | links
        waivers = await self.waivers.waivers((repo.full_name, number))
        gate = decide(
            GateInput(
                findings=analysis.findings,
                waivers={fp: w for fp, w in waivers.items() if fp in waived},
                threads=threads,
                not_inline=not_inline,
                budget=config.comment_budget,
                fail_level=config.fail_level,
                problems=problems,
                config_issues=loaded.issues,
                notes=notes,
                files=analysis.files,
                elapsed_ms=analysis.elapsed_ms,
            )
        )
        await port.complete_check_run_with_actions(repo, check_id, gate.conclusion, gate.output)
        self.on_review(len(post) - refused if inline else 0, len(gate.output.annotations))
        log.info(
            "reviewed %s#%s at %s: %d finding(s), %d new thread(s), %d fixed, %s",
            repo.full_name,
            number,
            head_sha[:7],
            len(analysis.findings),
            len(post),
            len(plan.fixed),
            gate.conclusion,
        )

    async def _post(
        self,
        port: ConversationGitHubPort,
        repo: RepoRef,
        conversation: PullConversation,
        post: Sequence[NewThread],
    ) -> tuple[list[tuple[NewThread, str]], dict[str, str]]:
        """One batched review of every comment GitHub accepts. Returns the refused ones
        with the reason (to be reported as annotations instead), and the link of each
        posted fingerprint's new thread."""
        number, head_sha = conversation.pull.number, conversation.pull.head_sha
        drafts: list[ReviewCommentDraft] = []
        threads: list[NewThread] = []
        for t in post:
            rule = self.rules_by_id.get(t.anchor.rule)
            if rule is None:
                continue
            drafts.append(ReviewCommentDraft(t.anchor.path, t.anchor.line, _body(t, rule)))
            threads.append(t)
        if not drafts:
            return [], {}
        body = (
            f"panicscan found {len(drafts)} new place(s) where this code can panic. "
            "Each comment asks what input makes it fail and what should happen instead; "
            "answer there, or `/panicscan ignore <reason>` if it cannot happen."
        )
        try:
            salvaged = await post_review_salvaging(
                port, ReviewTarget(repo, number, head_sha), body, drafts
            )
        except GitHubError as exc:
            log.error("review on %s#%s failed: %s", repo.full_name, number, exc)
            return [(t, str(exc)) for t in threads], {}
        for index, reason in salvaged.rejected:
            log.warning(
                "comment on %s:%d refused: %s", drafts[index].path, drafts[index].line, reason
            )
        accepted = [threads[i] for i in salvaged.accepted]
        posted = salvaged.posted
        links: dict[str, str] = {}
        if posted is not None and conversation.html_url:
            links = {
                fp: diff_line_link(conversation.html_url, t.anchor.path, t.anchor.line)
                for t in accepted
                for fp in t.fingerprints
            }
        if self._effects is not None and posted is not None:
            await self._record_posted(repo, number, accepted, posted)
        return [(threads[index], reason) for index, reason in salvaged.rejected], links

    async def _record_posted(
        self, repo: RepoRef, number: int, posted: Sequence[NewThread], review: PostedReview
    ) -> None:
        """fingerprint → comment id in the store (the review id when ids are unknown)."""
        assert self._effects is not None
        ids = review.comment_ids if len(review.comment_ids) == len(posted) else None
        mapping = {
            fp: (ids[i] if ids else review.id)
            for i, thread in enumerate(posted)
            for fp in thread.fingerprints
        }
        await self._effects.record_posted(repo, number, mapping)

    async def _close_and_reopen(
        self,
        port: ConversationGitHubPort,
        repo: RepoRef,
        *,
        number: int,
        head_sha: str,
        fixed: Sequence[BotThread],
        returned: Sequence[BotThread],
    ) -> None:
        for thread, resolved, text in [
            *((t, True, f"Fixed in `{head_sha[:7]}`. {FIXED_MARK}") for t in fixed),
            *((t, False, f"This is back in `{head_sha[:7]}`. {REOPENED_MARK}") for t in returned),
        ]:
            try:
                await port.reply_to_review_comment(repo, number, thread.comment_id, text)
                if thread.thread_id is not None:
                    await port.set_thread_resolved(thread.thread_id, resolved)
            except GitHubError as exc:
                log.warning("thread %s not updated: %s", thread.comment_id, exc)

    async def _close_superseded(
        self, port: ConversationGitHubPort, repo: RepoRef, old: str, new: str
    ) -> None:
        """An earlier attempt for an older head may have died with its run in progress
        (the store knows that run): complete it, pointing at the newer head."""
        if self._effects is None:
            return
        stale = await self._effects.check_run_for(repo, old)
        if stale is None:
            return
        if stale == PENDING:
            # The attempt died around creating it: look for it on GitHub.
            stale = await find_check_run(port, repo, old, CHECK_NAME)
            if stale is None:
                return
        output = error_output(f"superseded by the newer head {new[:7]}", old)
        try:
            await port.complete_check_run_with_actions(repo, stale, "cancelled", output, ())
        except GitHubError as exc:
            log.warning("could not close the check run of superseded %s: %s", old[:7], exc)

    async def _fail(
        self,
        port: ConversationGitHubPort,
        repo: RepoRef,
        check_id: int,
        sha: str,
        reason: str,
        *,
        conclusion: str = "failure",
    ) -> None:
        try:
            await port.complete_check_run_with_actions(
                repo, check_id, conclusion, error_output(reason, sha)
            )
        except GitHubError as exc:
            log.error("could not complete check run %s: %s", check_id, exc)


def diff_line_link(pr_url: str, path: str, line: int) -> str:
    """The line in the PR's "Files changed" view, where its thread is shown. GitHub
    anchors a file by the SHA-256 of its path and a new-side line by `R<line>`."""
    digest = hashlib.sha256(path.encode("utf-8")).hexdigest()
    return f"{pr_url}/files#diff-{digest}R{line}"


def _body(thread: NewThread, rule: Rule) -> str:
    body = render_comment(thread.anchor, rule)
    if not thread.grouped:
        return body
    lines = ", ".join(str(f.line) for f in thread.grouped)
    extra = [f"The same code is also flagged on line(s) {lines} of this file."]
    extra += [f"<!-- panicscan:v1 fp={f.fingerprint} rule={f.rule} -->" for f in thread.grouped]
    return body + "\n\n" + "\n".join(extra)


def new_waiver(
    *, fingerprint: str, rule: str, path: str, user: str, reason: str, head_sha: str
) -> Waiver:
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return Waiver(fingerprint, rule, path, user, reason, head_sha, created)
