"""Retargeting: any mapped model's poses <-> poses of one canonical quadruped skeleton (plain numpy).

The canonical skeleton is a set of chains (spine pelvis->withers, neck, head, tail, four legs body->paw), each
with a fixed number of joints; a model's keypoint map names its bones per chain (`KeypointMap.chains`).

A bone's *world delta* is G = R_world(pose) @ R_world(rest)^T: the rotation that takes the bone from its rest
orientation to its posed one. Canonical rotations are world deltas expressed in the model's canonical body frame
(x forward, y the animal's left, z up) and made relative to the canonical parent: L_k = G_parent(k)^T @ G_k.
Applying a canonical pose to another model gives each mapped bone the same world delta (rest pose + delta), so
one prior poses every rig whose rest pose stands like the others. When a model chain has more bones than the
canonical chain, a canonical joint covers several bones and its rotation is spread over them; with fewer bones,
a bone takes the rotation of the last canonical joint on it (both exact round trips when the counts match).

Shapes: K canonical joints, C = 8 chains, P = K + C canonical points (joint heads, then one tip per chain),
J model joints, N poses, T frames.
- CanonicalPoses.relative (N, K, 3, 3): L_k; .height (N,): pelvis height above the ground as a fraction of
  its rest height, minus 1 (0 standing as at rest, -1 on the ground), so it transfers between leg lengths.
- canonical points (N, P, 3): body lengths, x forward, y left, z up, origin on the ground below the rest pelvis.
- model poses (N, J, 4, 4): local joint transforms, as AnimalModel.pose_at returns them.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from pasyn.assets.keypoint_map import CHAIN_NAMES, KeypointMap
from pasyn.assets.model import AnimalModel, Clip, quat_to_matrix, slerp
from pasyn.prior.rotations import interpolate, orthonormalise

# Canonical joints per chain: as many as the richest rig maps (the built-in quadruped: legs scapula or hip ..
# hoof, head + nose), so those round-trip exactly; rigs with fewer bones spread theirs over them.
DEFAULT_CHAIN_LENGTHS = {"spine": 4, "neck": 3, "head": 2, "tail": 5,
                         "front_left": 6, "front_right": 6, "hind_left": 6, "hind_right": 6}
# chain -> (chain it hangs from, which joint of it); the spine is the root. Forelegs hang one joint behind the
# withers, where most rigs carry them (the neck's base joint moves the neck, not the shoulders).
CHAIN_ATTACHMENT = {"neck": ("spine", -1), "head": ("neck", -1), "tail": ("spine", 0),
                    "front_left": ("spine", -2), "front_right": ("spine", -2),
                    "hind_left": ("spine", 0), "hind_right": ("spine", 0)}
PAW_KEYPOINT = {"front_left": "left_front_paw", "front_right": "right_front_paw",
                "hind_left": "left_back_paw", "hind_right": "right_back_paw"}
REQUIRED_CHAINS = ("spine", "head", "front_left", "front_right", "hind_left", "hind_right")
LEFT_CHAINS, RIGHT_CHAINS = ("front_left", "hind_left"), ("front_right", "hind_right")


class RetargetError(ValueError):
    """A model cannot be mapped onto the canonical skeleton; the message names the model and the map file."""


@dataclass(frozen=True)
class CanonicalSkeleton:
    """The canonical chains and their joint counts, in CHAIN_NAMES order."""

    chain_lengths: tuple[tuple[str, int], ...] = tuple(DEFAULT_CHAIN_LENGTHS.items())

    def __post_init__(self):
        names = [c for c, _ in self.chain_lengths]
        if names != list(CHAIN_NAMES):
            raise ValueError(f"canonical chains must be {list(CHAIN_NAMES)} in that order, got {names}")
        bad = [f"{c}={n}" for c, n in self.chain_lengths if int(n) < 1 or (c == "spine" and int(n) < 2)]
        if bad:
            raise ValueError(f"canonical chain lengths too small (spine >= 2, others >= 1): {', '.join(bad)}")

    @classmethod
    def from_dict(cls, lengths: dict[str, int]) -> CanonicalSkeleton:
        return cls(tuple((c, int(lengths[c])) for c in CHAIN_NAMES))

    def to_dict(self) -> dict[str, int]:
        return dict(self.chain_lengths)

    @property
    def chains(self) -> dict[str, list[int]]:
        """chain -> canonical joint indices, body -> tip."""
        out, start = {}, 0
        for chain, n in self.chain_lengths:
            out[chain] = list(range(start, start + n))
            start += n
        return out

    @property
    def n_joints(self) -> int:
        return sum(n for _, n in self.chain_lengths)

    @property
    def n_points(self) -> int:
        return self.n_joints + len(self.chain_lengths)

    @property
    def joint_names(self) -> list[str]:
        return [f"{chain}{i}" for chain, n in self.chain_lengths for i in range(n)]

    @property
    def parents(self) -> np.ndarray:
        """(K,) canonical parent of each joint, -1 for the pelvis (spine0)."""
        chains, parents = self.chains, []
        for chain, joints in chains.items():
            if chain == "spine":
                parents.append(-1)
            else:
                base, which = CHAIN_ATTACHMENT[chain]
                parents.append(chains[base][which])
            parents.extend(joints[:-1])
        return np.array(parents)

    def chain_of_joint(self) -> list[str]:
        return [chain for chain, n in self.chain_lengths for _ in range(n)]

    def segments(self) -> list[tuple[int, int]]:
        """(point, point) pairs to draw: parent head -> joint head, last joint head -> chain tip."""
        parents, chains, pairs = self.parents, self.chains, []
        for k, p in enumerate(parents):
            if p >= 0:
                pairs.append((int(p), k))
        for c, (chain, joints) in enumerate(chains.items()):
            pairs.append((joints[-1], self.n_joints + c))
        return pairs


@dataclass
class CanonicalPoses:
    """N canonical poses: relative joint rotations (N, K, 3, 3), pelvis height change (N,) (a fraction of the
    rest height above the ground), and
    known (N, K) bool: False where the source model has no such joint (e.g. no tail; rotation then identity)."""

    relative: np.ndarray
    height: np.ndarray
    known: np.ndarray | None = None

    def __post_init__(self):
        if self.known is None:
            self.known = np.ones(self.relative.shape[:2], dtype=bool)

    def __len__(self) -> int:
        return len(self.relative)

    def __getitem__(self, index) -> CanonicalPoses:
        return CanonicalPoses(self.relative[index], self.height[index], self.known[index])

    @staticmethod
    def concatenate(items: list[CanonicalPoses]) -> CanonicalPoses:
        fields = ("relative", "height", "known")
        return CanonicalPoses(*(np.concatenate([getattr(p, f) for p in items]) for f in fields))


@dataclass
class CanonicalRest:
    """Rest geometry of the canonical skeleton: heads (K, 3) and chain tips (C, 3), canonical point units."""

    heads: np.ndarray
    tips: np.ndarray

    @staticmethod
    def mean(items: list[CanonicalRest], skeleton: CanonicalSkeleton) -> CanonicalRest:
        """Average over models, ignoring chains a model lacks; a chain no model has hangs straight back."""
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are filled below
            heads = np.nanmean([r.heads for r in items], axis=0)
            tips = np.nanmean([r.tips for r in items], axis=0)
        for c, (chain, joints) in enumerate(skeleton.chains.items()):
            if np.isnan(tips[c]).any():
                base = heads[skeleton.parents[joints[0]]]
                step = np.array([-0.12, 0.0, -0.04])
                heads[joints] = base + step * np.arange(1, len(joints) + 1)[:, None]
                tips[c] = base + step * (len(joints) + 1)
        return CanonicalRest(heads, tips)


def global_rotations(skeleton: CanonicalSkeleton, relative: np.ndarray) -> np.ndarray:
    """(N, K, 3, 3) relative -> (N, K, 3, 3) world deltas in the canonical frame."""
    out = np.empty_like(relative)
    for k, p in enumerate(skeleton.parents):
        out[:, k] = relative[:, k] if p < 0 else out[:, p] @ relative[:, k]
    return out


def relative_rotations(skeleton: CanonicalSkeleton, deltas: np.ndarray) -> np.ndarray:
    out = np.empty_like(deltas)
    for k, p in enumerate(skeleton.parents):
        out[:, k] = deltas[:, k] if p < 0 else np.swapaxes(deltas[:, p], -1, -2) @ deltas[:, k]
    return out


def canonical_points(skeleton: CanonicalSkeleton, rest: CanonicalRest, poses: CanonicalPoses) -> np.ndarray:
    """Forward kinematics on the rest geometry -> (N, P, 3) points: joint heads, then chain tips."""
    deltas = global_rotations(skeleton, poses.relative)
    n, k_joints = len(poses), skeleton.n_joints
    points = np.empty((n, skeleton.n_points, 3))
    for k, p in enumerate(skeleton.parents):
        if p < 0:
            points[:, k] = rest.heads[k] + np.outer(poses.height * rest.heads[k][2], [0.0, 0.0, 1.0])
        else:
            points[:, k] = points[:, p] + deltas[:, p] @ (rest.heads[k] - rest.heads[p])
    for c, joints in enumerate(skeleton.chains.values()):
        last = joints[-1]
        points[:, k_joints + c] = points[:, last] + deltas[:, last] @ (rest.tips[c] - rest.heads[last])
    return points


# ---- model side ------------------------------------------------------------------------------------------------
def _split(n_items: int, n_groups: int) -> list[list[int]]:
    bounds = [round(i * n_items / n_groups) for i in range(n_groups + 1)]
    return [list(range(bounds[i], bounds[i + 1])) for i in range(n_groups)]


def assign_bones(n_bones: int, n_joints: int, anchor_first: bool) -> tuple[list[int], list[tuple[int, int, float]]]:
    """Map a model chain of n_bones onto n_joints canonical joints (indices local to the chain).

    Returns source[k]: the bone whose world delta canonical joint k takes when extracting, and per bone
    (previous joint, joint, fraction): on applying, the bone's delta is the interpolation from the previous
    joint's delta (-1: the chain's canonical parent) to the joint's delta at that fraction. anchor_first keeps
    joint 0 on bone 0 alone (the spine: joint 0 is the body's orientation).
    """
    if anchor_first and n_joints > 1:
        if n_bones == 1:
            return [0] * n_joints, [(-1, 0, 1.0)]
        source, owners = assign_bones(n_bones - 1, n_joints - 1, anchor_first=False)
        shifted = [(p + 1 if p >= 0 else 0, k + 1, f) for p, k, f in owners]
        return [0] + [s + 1 for s in source], [(-1, 0, 1.0)] + shifted
    if n_bones >= n_joints:
        source, owners = [], [None] * n_bones
        for k, group in enumerate(_split(n_bones, n_joints)):
            source.append(group[-1])
            for i, bone in enumerate(group):
                owners[bone] = (k - 1, k, (i + 1) / len(group))
        return source, owners
    source = [k * n_bones // n_joints for k in range(n_joints)]
    last_joint = {bone: k for k, bone in enumerate(source)}
    return source, [(-1, last_joint[b], 1.0) for b in range(n_bones)]


def _ancestors(parents: np.ndarray, j: int) -> list[int]:
    out = []
    while parents[j] >= 0:
        j = int(parents[j])
        out.append(j)
    return out


def _segment_distance(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = np.clip(np.dot(point - a, ab) / max(np.dot(ab, ab), 1e-12), 0.0, 1.0)
    return float(np.linalg.norm(point - (a + t * ab)))


def floating_joints(parents: np.ndarray, mapped) -> list[int]:
    """Joints outside the mapped hierarchy: no mapped ancestor, not an ancestor of a mapped bone, and a parent
    that is not floating itself (IK and pole targets that the file keeps beside the legs)."""
    mapped = set(mapped)
    above_mapped = {a for b in mapped for a in _ancestors(parents, b)}
    loose = [j for j in range(len(parents)) if j not in mapped and j not in above_mapped
             and not any(a in mapped for a in _ancestors(parents, j))]
    return [j for j in loose if parents[j] not in loose]


def _complete_chains(model: AnimalModel, chains: dict[str, list[int]], heads: np.ndarray,
                     keypoints: dict[str, np.ndarray]) -> dict[str, list[int]]:
    """Add what a map's chains leave out but the animation moves.

    - The body root: when the chains hang from a common ancestor outside the spine (a 'Body' bone carrying the
      rump, the shoulders and the legs as siblings), it becomes the spine's first joint, so the body's own
      rotation is learned and carries everything as in the file.
    - Feet kept outside the leg hierarchy (IK targets under the armature, which hooves are skinned to) are
      appended to the leg whose lower bone they sit on, so the hoof's own rotation is learned and follows the leg.
    """
    parents = model.skeleton.parents
    chains = {c: list(bones) for c, bones in chains.items()}
    lineages = [[bones[0]] + _ancestors(parents, bones[0]) for bones in chains.values()]
    common = [j for j in lineages[0] if all(j in lineage for lineage in lineages[1:])]
    mapped = {b for bones in chains.values() for b in bones}
    if common and common[0] not in mapped and common[0] in _ancestors(parents, chains["spine"][0]):
        chains["spine"].insert(0, common[0])
        mapped.add(common[0])

    skin = np.bincount(model.mesh.joints.ravel(), model.mesh.weights.ravel(), minlength=len(parents))
    for j in range(len(parents) - 1, -1, -1):  # children come after parents: sum each subtree's weight
        if parents[j] >= 0:
            skin[parents[j]] += skin[j]

    def leg_distance(j: int, chain: str) -> float:
        return _segment_distance(heads[j], heads[chains[chain][-1]], keypoints[PAW_KEYPOINT[chain]])

    for foot in (j for j in floating_joints(parents, mapped) if skin[j] > 0):
        nearest = min(PAW_KEYPOINT, key=lambda chain: leg_distance(foot, chain))
        leg_length = np.linalg.norm(heads[chains[nearest][0]] - keypoints[PAW_KEYPOINT[nearest]])
        if leg_distance(foot, nearest) < 0.25 * leg_length:  # on the leg's lower bone, not some prop
            chains[nearest].append(foot)
    return chains


class ModelRig:
    """How one model's bones map onto the canonical skeleton, with everything needed to go both ways."""

    def __init__(self, model: AnimalModel, kmap: KeypointMap, skeleton: CanonicalSkeleton | None = None):
        self.model, self.kmap = model, kmap
        self.skeleton = skeleton = skeleton or CanonicalSkeleton()
        where = f"model {model.name!r} (keypoint map {kmap.path})"
        missing = [c for c in REQUIRED_CHAINS if not kmap.chains.get(c)]
        if missing:
            raise RetargetError(f"{where}: no bone chains for {', '.join(missing)}; the pose prior needs "
                                f"{', '.join(REQUIRED_CHAINS)} (and neck, tail where the model has them) under "
                                f"'chains:' in the map")
        chains = {c: list(kmap.chains[c]) for c in CHAIN_NAMES if kmap.chains.get(c)}
        mapped = [b for bones in chains.values() for b in bones]
        repeated = sorted({model.skeleton.names[b] for b in mapped if mapped.count(b) > 1})
        if repeated:
            raise RetargetError(f"{where}: bones used in more than one chain place: {', '.join(repeated)}")

        sk = model.skeleton
        self.parents = sk.parents
        self.rest_world = sk.global_transforms(sk.rest_local)  # (J, 4, 4)
        self.rest_rotation = orthonormalise(self.rest_world[:, :3, :3])
        heads = self.rest_world[:, :3, 3]
        keypoints = dict(zip([s.name for s in kmap.specs], kmap.locate(model, self.rest_world)))
        self.chains = _complete_chains(model, chains, heads, keypoints)

        # body frame from the rest pose: forward from hind-leg roots to fore-leg roots, z up
        front = np.mean([heads[self.chains[c][0]] for c in ("front_left", "front_right")], axis=0)
        hind = np.mean([heads[self.chains[c][0]] for c in ("hind_left", "hind_right")], axis=0)
        forward = (front - hind) * [1.0, 1.0, 0.0]
        self.body_length = float(np.linalg.norm(forward))
        if self.body_length < 1e-9:
            raise RetargetError(f"{where}: fore and hind legs start at the same place; cannot find the body axis")
        forward /= self.body_length
        up = np.array([0.0, 0.0, 1.0])
        self.to_canonical = np.stack([forward, np.cross(up, forward), up])  # rows: canonical axes in world
        self.ground_z = float(model.skin(self.rest_world)[:, 2].min()) if len(model.mesh.vertices) else 0.0
        self.pelvis = self.chains["spine"][0]
        self.pelvis_height = max(float(heads[self.pelvis, 2]) - self.ground_z, 1e-3 * self.body_length)

        # chain tips in the rest pose (world)
        def extrapolated_tip(bones):
            last = heads[bones[-1]]
            if len(bones) >= 2:
                return last + (last - heads[bones[-2]])
            return last + self.rest_rotation[bones[-1]][:, 1] * 0.15 * self.body_length

        head_start = heads[self.chains["head"][0]]
        self.chain_tip = {"spine": heads[self.chains["neck"][0]] if "neck" in self.chains else head_start,
                          "neck": head_start, "head": keypoints["nose"]}
        if "tail" in self.chains:
            self.chain_tip["tail"] = extrapolated_tip(self.chains["tail"])
        for chain, paw in PAW_KEYPOINT.items():
            self.chain_tip[chain] = keypoints[paw]

        # bone <-> canonical joint assignment
        canon = skeleton.chains
        k_parents = skeleton.parents
        self.source = np.full(skeleton.n_joints, -1)  # -1: the model has no such chain
        self.owners: dict[int, tuple[int, int, float]] = {}  # bone -> (canonical k_prev or -1, k, fraction)
        rest_heads = [np.full(3, np.nan)] * skeleton.n_joints
        for chain, bones in self.chains.items():
            joints = canon[chain]
            source, owners = assign_bones(len(bones), len(joints), anchor_first=chain == "spine")
            for local_k, b in enumerate(source):
                self.source[joints[local_k]] = bones[b]
            for b, (prev, k, fraction) in enumerate(owners):
                k_prev = int(k_parents[joints[0]]) if prev < 0 else joints[prev]
                self.owners[bones[b]] = (k_prev, joints[k], fraction)
            # rest heads of canonical joints: the first bone of a joint's group, or evenly along a bone that
            # carries several joints
            tips = [heads[b] for b in bones[1:]] + [self.chain_tip[chain]]
            if len(bones) >= len(joints):
                for local_k, first in enumerate([0] + [s + 1 for s in source[:-1]]):
                    rest_heads[joints[local_k]] = heads[bones[first]]
            else:
                for local_k, b in enumerate(source):
                    on_bone = [i for i, s in enumerate(source) if s == b]
                    f = on_bone.index(local_k) / len(on_bone)
                    rest_heads[joints[local_k]] = (1 - f) * heads[bones[b]] + f * tips[b]
        self.rest_geometry = CanonicalRest(
            heads=self._world_to_canonical_points(np.array(rest_heads)),
            tips=self._world_to_canonical_points(np.array([self.chain_tip.get(c, np.full(3, np.nan))
                                                           for c in CHAIN_NAMES])),
        )
        self._plan_application(heads, tips_by_bone=self._bone_tips(heads))

    # ---- geometry helpers -----------------------------------------------------------------------------------
    def _world_to_canonical_points(self, points: np.ndarray) -> np.ndarray:
        origin = np.array([*self.rest_world[self.pelvis, :2, 3], self.ground_z])
        return (points - origin) @ self.to_canonical.T / self.body_length

    def _bone_tips(self, heads: np.ndarray) -> dict[int, np.ndarray]:
        tips = {}
        for chain, bones in self.chains.items():
            for i, b in enumerate(bones):
                tips[b] = heads[bones[i + 1]] if i + 1 < len(bones) else self.chain_tip[chain]
        return tips

    def _plan_application(self, heads: np.ndarray, tips_by_bone: dict[int, np.ndarray]) -> None:
        """Decide, per joint, what its posed world transform follows, and an order that computes drivers first.

        kinds: 'body' (an ancestor of the pelvis: turns with the body about the pelvis), 'mapped' (rotation from
        the canonical pose, position carried by its driver), 'rigid' (carried by its driver, rest offset kept).
        Mapped bones are carried by their chain predecessor (or their parent, for a chain's first bone), so IK
        targets that the file keeps outside the leg hierarchy still follow the leg. Other joints with no mapped
        ancestor (IK targets, pole targets) are carried by the nearest mapped bone of the rest pose.
        """
        n = len(self.parents)
        mapped = set(self.owners)
        pelvis_ancestors = set(_ancestors(self.parents, self.pelvis))
        predecessor = {bones[i]: bones[i - 1] for bones in self.chains.values() for i in range(1, len(bones))}
        self.kind, self.driver = [""] * n, np.full(n, -1)
        floating = set(floating_joints(self.parents, mapped))
        for j in range(n):
            if j in pelvis_ancestors:
                self.kind[j] = "body"
            elif j in mapped:
                self.kind[j] = "mapped"
                self.driver[j] = predecessor.get(j, self.parents[j]) if j != self.pelvis else -1
            elif j in floating:
                descendants = {d for d in range(n) if j in _ancestors(self.parents, d)}
                candidates = [b for b in mapped if b not in descendants]
                self.kind[j] = "rigid"
                self.driver[j] = min(candidates, key=lambda b: _segment_distance(heads[j], heads[b], tips_by_bone[b]))
            else:
                self.kind[j], self.driver[j] = "rigid", self.parents[j]
        self.order, state = [], [0] * n  # depth-first: drivers before the joints they carry
        for j in range(n):
            stack = [j]
            while stack:
                top = stack[-1]
                if state[top] == 2:
                    stack.pop()
                    continue
                d = self.driver[top]
                if d >= 0 and state[d] == 0:
                    state[top] = 1
                    stack.append(d)
                    continue
                if d >= 0 and state[d] == 1:
                    raise RetargetError(f"model {self.model.name!r}: bone chains in {self.kmap.path} form a loop "
                                        f"at joint {self.model.skeleton.names[top]!r}")
                state[top] = 2
                self.order.append(top)
                stack.pop()
        inverse_rest = np.linalg.inv(self.rest_world)
        self.carried_offset = np.array([inverse_rest[d] @ self.rest_world[j] if d >= 0 else np.eye(4)
                                        for j, d in enumerate(self.driver)])

    # ---- model -> canonical ------------------------------------------------------------------------------------
    def extract(self, world: np.ndarray) -> CanonicalPoses:
        """(T, J, 4, 4) world joint transforms of this model -> T canonical poses (identity where the model has
        no such chain; `known` says which)."""
        known = self.source >= 0
        bones = self.source[known]
        posed = orthonormalise(world[:, bones, :3, :3])
        deltas = np.empty((len(world), self.skeleton.n_joints, 3, 3))
        deltas[:, known] = self.to_canonical @ (posed @ np.swapaxes(self.rest_rotation[bones], -1, -2)) \
            @ self.to_canonical.T
        for k, p in enumerate(self.skeleton.parents):
            if not known[k]:
                deltas[:, k] = deltas[:, p]
        height = (world[:, self.pelvis, 2, 3] - self.rest_world[self.pelvis, 2, 3]) / self.pelvis_height
        return CanonicalPoses(relative_rotations(self.skeleton, deltas), height,
                              np.repeat(known[None], len(world), axis=0))

    def extract_clip(self, clip: str | Clip, fps: float = 30.0) -> CanonicalPoses:
        return self.extract(clip_world_transforms(self.model, clip, fps))

    # ---- canonical -> model ------------------------------------------------------------------------------------
    def world_transforms(self, poses: CanonicalPoses) -> np.ndarray:
        """N canonical poses -> (N, J, 4, 4) world joint transforms of this model."""
        n = len(poses)
        deltas = global_rotations(self.skeleton, poses.relative)
        deltas = self.to_canonical.T @ deltas @ self.to_canonical  # back to world axes
        pelvis_rest = self.rest_world[self.pelvis, :3, 3]
        pelvis = pelvis_rest + np.outer(poses.height * self.pelvis_height, [0.0, 0.0, 1.0])
        body = np.tile(np.eye(4), (n, 1, 1))  # turn about the rest pelvis, then lift
        body[:, :3, :3] = deltas[:, 0]
        body[:, :3, 3] = pelvis - deltas[:, 0] @ pelvis_rest
        bone_delta = {}
        for bone, (k_prev, k, fraction) in self.owners.items():
            previous = np.eye(3) if k_prev < 0 else deltas[:, k_prev]
            bone_delta[bone] = interpolate(previous, deltas[:, k], fraction)
        world = np.empty((n, len(self.parents), 4, 4))
        for j in self.order:
            d = self.driver[j]
            if self.kind[j] == "body":
                world[:, j] = body @ self.rest_world[j]
            elif self.kind[j] == "rigid":
                world[:, j] = world[:, d] @ self.carried_offset[j]
            else:
                world[:, j] = 0.0
                world[:, j, 3, 3] = 1.0
                world[:, j, :3, :3] = bone_delta[j] @ self.rest_world[j, :3, :3]
                world[:, j, :3, 3] = pelvis if d < 0 else (world[:, d] @ self.carried_offset[j])[:, :3, 3]
        return world

    def local_poses(self, poses: CanonicalPoses) -> np.ndarray:
        """N canonical poses -> (N, J, 4, 4) local joint transforms (what AnimalModel.pose_at returns)."""
        world = self.world_transforms(poses)
        local = np.empty_like(world)
        inverse_world = np.linalg.inv(world)
        inverse_root = np.linalg.inv(self.model.skeleton.root_transform)
        for j, p in enumerate(self.parents):
            local[:, j] = (inverse_root if p < 0 else inverse_world[:, p]) @ world[:, j]
        return local


# ---- clips, vectorised over time --------------------------------------------------------------------------------
def _sample_channel(times: np.ndarray, values: np.ndarray, at: np.ndarray, is_rotation: bool) -> np.ndarray:
    """Linear / slerp channel values at the times `at` (T,), clamped at both ends, as AnimalModel.pose_at does."""
    last = len(times) - 1
    k = np.clip(np.searchsorted(times, at, side="right") - 1, 0, last)
    k_next = np.minimum(k + 1, last)
    span = times[k_next] - times[k]
    f = np.clip(np.where(span > 0, (at - times[k]) / np.where(span > 0, span, 1.0), 0.0), 0.0, 1.0)
    if is_rotation:
        return slerp(values[k], values[k_next], f)
    return values[k] + f[:, None] * (values[k_next] - values[k])


def clip_times(clip: Clip, fps: float) -> np.ndarray:
    return np.arange(clip.start, clip.duration + 1e-9, 1.0 / fps)


def clip_local_poses(model: AnimalModel, clip: str | Clip, times: np.ndarray) -> np.ndarray:
    """(T, J, 4, 4) local transforms at the given times; same values as AnimalModel.pose_at, all times at once."""
    clip = model.clip(clip) if isinstance(clip, str) else clip
    rest = model.skeleton.rest_local
    local = np.repeat(rest[None], len(times), axis=0)
    for (j, path), (key_times, values) in clip.channels.items():
        if len(key_times) == 0:
            continue
        sampled = _sample_channel(np.asarray(key_times, float), np.asarray(values, float), times, path == "rotation")
        block = local[:, j]
        scale = np.linalg.norm(block[:, :3, :3], axis=1)  # (T, 3) column norms
        if path == "translation":
            block[:, :3, 3] = sampled
        elif path == "scale":
            block[:, :3, :3] = block[:, :3, :3] / scale[:, None, :] * sampled[:, None, :]
        elif path == "rotation":
            block[:, :3, :3] = quat_to_matrix(sampled) * scale[:, None, :]
    return local


def clip_world_transforms(model: AnimalModel, clip: str | Clip, fps: float = 30.0) -> np.ndarray:
    """(T, J, 4, 4) world transforms of a clip sampled every 1/fps seconds (T as AnimalModel.frames)."""
    clip = model.clip(clip) if isinstance(clip, str) else clip
    local = clip_local_poses(model, clip, clip_times(clip, fps))
    world = np.empty_like(local)
    root = model.skeleton.root_transform
    for j, p in enumerate(model.skeleton.parents):
        world[:, j] = (root if p < 0 else world[:, p]) @ local[:, j]
    return world
