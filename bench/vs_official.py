"""One StackGAN D+G training step, the official StackGAN-Pytorch models against this library's, at the paper's sizes.

    python bench/vs_official.py --stackgan-pytorch DIR [--threads N] [--repeats 5] [--batch 8] [--warmup 2] [--steps 1]
                                [--stages 1,2] [--compile] [--channels-last] [--bf16] [--check] [--profile 15] [--device cpu]

DIR is your own checkout of hanzhanggit/StackGAN-Pytorch (this project ships none of its code): its code/model.py is imported
as it is, with its cfg set to the birds values (TEXT.DIMENSION 1024, GAN.CONDITION_DIM 128, GF_DIM 128, DF_DIM 64, R_NUM 4,
Z_DIM 100). Without the `easydict` package a small stand-in is used (a dict with attribute access).

A step is what both trainers do per batch: G's forward, D's update (BCE on real, fake and wrong pairs; wrong = real images with
the conditions shifted by one; Stage-II adds the unconditional head), then G's update (BCE(D(fake), 1) + 2 KL), Adam 2e-4
(0.5, 0.999). The official step is written here with its classes (STAGE1_G/STAGE1_D, STAGE2_G/STAGE2_D: sigmoid outputs
and nn.BCELoss, its losses' formulas); ours is `learn.one_step()` of the library's StageIRecipe / StageIIRecipe on a fixed
batch (one_step, not fit: fit also copies the state each step to undo a non-finite one; train_step.py --no-guard shows its cost).
Both run on the same random tensors (images in [-1, 1], 1024-d embeddings), in one process, with the same threads.

Our models are built at the recipes' `paper` preset (Stage-I 64 px, Stage-II 256 px) with the builders' own classes and
optimisers, but without `build_learner`: that prepares the training data (and Stage-II loads a trained Stage-I run), neither
of which changes a step's cost. Stage-II refines a fresh, untrained Stage-I of the paper preset (its weights do not change
the cost either). One difference is kept as each code has it: the official STAGE2_G runs its frozen Stage-I in train mode
(batch statistics), ours in eval mode under no_grad.

Timing: `--warmup` steps of each code, then `--repeats` rounds, interleaved (official, ours, official, ours, ...), each
round timing `--steps` steps. Prints one JSON line: stageN_official_ms and stageN_ours_ms (best round, ms per step), their
_median_ms, stageN_speedup (official / ours, best) and stageN_speedup_median, parameter counts, threads, batch, options.
--compile (torch.compile, dynamic=False), --channels-last (models and images in channels_last) and --bf16 (bf16 autocast
through MixedPrecisionCB; GPUs only) apply to ours only; the official code runs as it is, in float32.
--check times nothing: it runs two steps of ours plain and optimised from the same weights and noise (inductor's
fallback_random on, so compiled code draws the same numbers) and prints their losses and largest differences, with two baselines:
a second plain run, and a plain run on images moved by about one float ulp (what rounding alone does over two steps: Adam's
first update, lr * sign(grad), magnifies tiny differences). The yardstick: with fixed noise and no update, D's and G's losses
and all gradients of plain float32 and of optimised, each against the same models run in float64 (stageN_plain_vs_float64,
stageN_optimised_vs_float64: relative differences); optimised is as exact as plain when its figures are of the same order.
--profile N prints torch.profiler's top N ops of one of our steps per stage to stderr.
"""
import argparse, importlib.util, itertools, json, statistics, sys, time, types
from pathlib import Path

import torch
from torch import nn
import torch.nn.functional as F

from stackgan_edu.core import seed_everything
from stackgan_edu.learner import GANLearner, MixedPrecisionCB
from stackgan_edu.runs import get_config, make_optimizers
from stackgan_edu.cgan import TextCompressor, d_loss_matching
from stackgan_edu.stage1 import StageIGenerator, StageIRecipe, MuInput, stage1_models
from stackgan_edu.stage2 import StageIIGenerator, StageIIDiscriminator, StageIIRecipe, d_loss_stage2

TEXT_DIM = 1024  # char-CNN-RNN, the official embeddings

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--stackgan-pytorch', required=True, type=Path, help='a checkout of hanzhanggit/StackGAN-Pytorch')
p.add_argument('--threads', type=int, default=torch.get_num_threads(), help='torch CPU threads (default: all cores)')
p.add_argument('--repeats', type=int, default=5, help='timed rounds per code, interleaved')
p.add_argument('--batch', type=int, default=8)
p.add_argument('--warmup', type=int, default=2, help='untimed steps of each code first')
p.add_argument('--steps', type=int, default=None, help='steps per timed round (default: 1 on a CPU, 10 on a GPU)')
p.add_argument('--stages', default='1,2', help="'1', '2' or '1,2'")
p.add_argument('--device', default=None, help="'cpu' or 'cuda' (default: cuda if there is one)")
p.add_argument('--compile', action='store_true', help='ours: torch.compile(dynamic=False) of G and D')
p.add_argument('--channels-last', action='store_true', help='ours: models and images in torch.channels_last')
p.add_argument('--bf16', action='store_true', help='ours: bf16 autocast (MixedPrecisionCB), GPUs only')
p.add_argument('--check', action='store_true', help="time nothing: compare ours plain and optimised, two steps' losses")
p.add_argument('--profile', type=int, default=0, metavar='N', help="print the top N ops of one of our steps per stage to stderr")
p.add_argument('--seed', type=int, default=0)
a = p.parse_args()

stages = [int(s) for s in a.stages.split(',') if s.strip() in ('1', '2')]
if not stages or len(stages) != len(a.stages.split(',')): p.error(f"--stages takes 1, 2 or 1,2, got {a.stages!r}.")
if a.batch < 2: p.error("--batch must be at least 2 (the wrong pairs are the batch shifted by one).")
if min(a.repeats, a.threads) < 1 or a.warmup < 0: p.error("--repeats and --threads must be >= 1, --warmup >= 0.")
device = torch.device(a.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
if device.type == 'cuda' and not torch.cuda.is_available(): p.error("--device cuda, but torch sees no GPU: leave --device out.")
if a.bf16 and device.type != 'cuda': p.error("--bf16 is for GPUs only: drop it on a CPU.")
if a.check and not (a.compile or a.channels_last or a.bf16):
    p.error("--check compares plain and optimised: add --compile, --channels-last or --bf16.")
code = a.stackgan_pytorch.expanduser().resolve() / 'code'
if not (code / 'model.py').is_file() or not (code / 'miscc' / 'config.py').is_file():
    p.error(f"{a.stackgan_pytorch} is not a StackGAN-Pytorch checkout (no code/model.py, code/miscc/config.py): "
            "clone https://github.com/hanzhanggit/StackGAN-Pytorch and pass its folder.")
steps = a.steps or (10 if device.type == 'cuda' else 1)
torch.set_num_threads(a.threads)

# ---- the official code, imported as it is
try: import easydict  # noqa: F401
except ImportError:
    class EasyDict(dict):
        "A dict with attribute access, recursively (what the official config needs of easydict)."
        def __init__(self, d=None, **kw):
            super().__init__()
            for k, v in {**(d or {}), **kw}.items(): self[k] = v
        def __setitem__(self, k, v):
            super().__setitem__(k, EasyDict(v) if isinstance(v, dict) and not isinstance(v, EasyDict) else v)
        def __getattr__(self, k):
            try: return self[k]
            except KeyError: raise AttributeError(k) from None
        def __setattr__(self, k, v): self[k] = v
    sys.modules['easydict'] = types.SimpleNamespace(EasyDict=EasyDict)
sys.path.insert(0, str(code))
from miscc.config import cfg as off_cfg  # noqa: E402
off_cfg.CUDA = device.type == 'cuda'
off_cfg.Z_DIM, off_cfg.TEXT.DIMENSION = 100, TEXT_DIM
off_cfg.GAN.CONDITION_DIM, off_cfg.GAN.DF_DIM, off_cfg.GAN.GF_DIM, off_cfg.GAN.R_NUM = 128, 64, 128, 4
off_cfg.TRAIN.COEFF.KL = 2.0
spec = importlib.util.spec_from_file_location('stackgan_pytorch_model', code / 'model.py')
off = importlib.util.module_from_spec(spec); spec.loader.exec_module(off)

def official_init(m):
    "The official weights_init (miscc/utils.py), which imports torchvision: conv and linear N(0, 0.02), BN N(1, 0.02)."
    name = type(m).__name__
    if 'Conv' in name or 'Linear' in name:
        m.weight.data.normal_(0.0, 0.02)
        if 'Linear' in name and m.bias is not None: m.bias.data.fill_(0.0)
    elif 'BatchNorm' in name: m.weight.data.normal_(1.0, 0.02); m.bias.data.fill_(0)

class Official:
    "The official models, optimisers and per-batch step (trainer.py's loop body, its losses written out for today's torch)."
    def __init__(self, stage, batch):
        G = off.STAGE1_G() if stage == 1 else off.STAGE2_G(off.STAGE1_G())
        D = off.STAGE1_D() if stage == 1 else off.STAGE2_D()
        G.apply(official_init); D.apply(official_init)
        self.G, self.D = G.to(device).train(), D.to(device).train()
        self.opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_G = torch.optim.Adam([q for q in G.parameters() if q.requires_grad], lr=2e-4, betas=(0.5, 0.999))
        self.real, self.emb = batch['images'][64 * (4 if stage == 2 else 1)], batch['embedding']
        n = len(self.emb)
        self.noise = torch.empty(n, off_cfg.Z_DIM, device=device)
        self.ones, self.zeros = torch.ones(n, device=device), torch.zeros(n, device=device)
        self.bce = nn.BCELoss()
    def step(self):
        G, D, bce, n = self.G, self.D, self.bce, len(self.emb)
        self.noise.normal_(0, 1)
        _, fake, mu, logvar = G(self.emb, self.noise)
        D.zero_grad()  # compute_discriminator_loss
        cond = mu.detach()
        real_f, fake_f = D(self.real), D(fake.detach())
        err_real = bce(D.get_cond_logits(real_f, cond), self.ones)
        err_wrong = bce(D.get_cond_logits(real_f[:n - 1], cond[1:]), self.zeros[1:])
        err_fake = bce(D.get_cond_logits(fake_f, cond), self.zeros)
        if D.get_uncond_logits is not None:
            u_real, u_fake = bce(D.get_uncond_logits(real_f), self.ones), bce(D.get_uncond_logits(fake_f), self.zeros)
            err_D = (err_real + u_real) / 2 + (err_fake + err_wrong + u_fake) / 3
        else: err_D = err_real + (err_fake + err_wrong) * 0.5
        logs = [err_D.item(), err_real.item(), err_wrong.item(), err_fake.item()]  # the trainer reads them every step
        err_D.backward(); self.opt_D.step()
        G.zero_grad()  # compute_generator_loss + KL_loss
        fake_f = D(fake)
        err_G = bce(D.get_cond_logits(fake_f, cond), self.ones)
        if D.get_uncond_logits is not None: err_G = err_G + bce(D.get_uncond_logits(fake_f), self.ones)
        kl = (1 + logvar - mu.pow(2) - logvar.exp()).mean() * -0.5
        (err_G + kl * off_cfg.TRAIN.COEFF.KL).backward(); self.opt_G.step()
        return logs

# ---- ours
def our_models(stage):
    "Our G, D, optimisers and recipe at the paper preset, as stage1_learner / stage2_learner build them (text_dim 1024)."
    cfg = get_config(f'stage{stage}', 'paper', batch_size=a.batch)
    seed_everything(a.seed)
    if stage == 1:
        G, D = stage1_models(cfg, TEXT_DIM)
        return (G, D, *make_optimizers(G, D, cfg), StageIRecipe(cfg))
    c1 = get_config('stage1', 'paper')
    G1 = StageIGenerator(TEXT_DIM, c1.ng, cfg.nz, c1.ngf, cfg.size // 4, cfg.cond_act, 'mu')
    G = StageIIGenerator(G1, cfg.ng, cfg.ngf, cfg.size, cfg.r_num, cfg.cond_act, cfg.d_cond)
    D = StageIIDiscriminator(cfg.ndf, cfg.size, MuInput(cfg.ng) if cfg.d_cond == 'mu' else TextCompressor(TEXT_DIM, cfg.nd))
    opt_G = torch.optim.Adam([q for q in G.parameters() if q.requires_grad], lr=cfg.lr_G, betas=tuple(cfg.betas_G))
    return G, D, opt_G, make_optimizers(G, D, cfg)[1], StageIIRecipe(cfg, G1.ng)

def our_learner(models, batch, optimised:bool):
    "A GANLearner on an endless repeat of one batch; compiled / channels_last / bf16 as asked when `optimised`."
    G, D, opt_G, opt_D, recipe = models
    G, D = G.to(device), D.to(device)  # in place: the optimisers keep the same parameters
    cl = optimised and a.channels_last
    if cl:
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
        batch = {**batch, 'images': {k: v.contiguous(memory_format=torch.channels_last) for k, v in batch['images'].items()}}
    if optimised and a.compile: G, D = torch.compile(G, dynamic=False), torch.compile(D, dynamic=False)
    cbs = [MixedPrecisionCB()] if optimised and a.bf16 else []
    return GANLearner(G, D, opt_G, opt_D, recipe, itertools.repeat(batch), cbs=cbs)

def make_batch(stage):
    g = torch.Generator().manual_seed(a.seed)
    size = 64 * (4 if stage == 2 else 1)
    emb = torch.randn(a.batch, TEXT_DIM, generator=g)
    return {'images': {size: (torch.rand(a.batch, 3, size, size, generator=g) * 2 - 1).to(device)},
            'embedding': emb.to(device), 'wrong_embedding': emb.roll(1, 0).to(device)}

def sync():
    if device.type == 'cuda': torch.cuda.synchronize()

def timed(step):
    "ms per step over one round of `steps` steps."
    sync(); t = time.perf_counter()
    for _ in range(steps): step()
    sync(); return (time.perf_counter() - t) / steps * 1000

n_params = lambda m: sum(q.numel() for q in m.parameters())
opts = {'compile': a.compile, 'channels_last': a.channels_last, 'bf16': a.bf16}
res = {'threads': a.threads, 'batch': a.batch, 'device': str(device), 'torch': torch.__version__, **opts}

def losses_and_grads(learn, stage, b, z, eps, eps1, dtype):
    "D's and G's losses for fixed noise from the current weights (no update), and all their gradients as one float64 vector."
    G, D = learn.G, learn.D
    b = {k: v.to(dtype) for k, v in b.items()}
    G.train(); D.train()
    for q in itertools.chain(G.parameters(), D.parameters()): q.grad = None
    kw = {'eps1': eps1.to(dtype)} if stage == 2 else {}
    fake, aux = G(z.to(dtype), b['embedding'], eps=eps.to(dtype), **kw)
    cond = aux['d_cond']
    if stage == 1:
        d_real, d_wrong = D(b['real'], [cond, cond[1:]]); d_fake = D(fake.detach(), cond)
        loss_D = d_loss_matching(d_real, d_fake, d_wrong, learn.recipe.cfg.wrong_weight)
    else:
        d_real, d_wrong, u_real = D(b['real'], [cond, cond[1:]]); d_fake, u_fake = D(fake.detach(), cond)
        loss_D = d_loss_stage2(d_real, d_fake, d_wrong, u_real, u_fake)
    loss_D.backward()
    gD = [q.grad.clone() for q in D.parameters()]
    for q in D.parameters(): q.grad = None
    out = D(fake, cond)
    bce1 = lambda v: F.binary_cross_entropy_with_logits(v, torch.ones_like(v))
    loss_G = sum(bce1(v) for v in (out if isinstance(out, tuple) else (out,)))
    loss_G = loss_G + learn.recipe.cfg.kl_weight * aux['penalties']['kl_loss']
    loss_G.backward()
    gG = [q.grad for q in G.parameters() if q.grad is not None]
    return torch.tensor([loss_D.item(), loss_G.item()], dtype=torch.float64), torch.cat([g.double().flatten().cpu() for g in gD + gG])

if a.check:
    import torch._inductor.config as ind
    ind.fallback_random = True  # compiled code draws the same random numbers as eager
    for stage in stages:
        batch = make_batch(stage)
        plain = our_learner(our_models(stage), batch, False)
        fast = our_learner(our_models(stage), batch, True)  # our_models seeds: the same weights
        again = our_learner(our_models(stage), batch, False)  # plain once more: the run-to-run baseline
        nudged = {**batch, 'images': {k: v * (1 + 2 ** -23) for k, v in batch['images'].items()}}  # images moved by ~1 ulp
        jitter = our_learner(our_models(stage), nudged, False)  # plain on them: what rounding alone does to the losses
        for learn in (plain, fast, again, jitter):
            torch.manual_seed(a.seed + 1); learn.losses = []
            for _ in range(2): learn.one_step(); learn.losses += [learn.logs['loss_D'], learn.logs['loss_G']]
        diff = lambda u, v: max(abs(x - y) for x, y in zip(u.losses, v.losses))
        res[f'stage{stage}_losses_plain'] = [round(v, 6) for v in plain.losses]  # D, G of step 1, then of step 2
        res[f'stage{stage}_losses_optimised'] = [round(v, 6) for v in fast.losses]
        res[f'stage{stage}_max_loss_diff_step1'] = max(abs(x - y) for x, y in zip(plain.losses[:2], fast.losses[:2]))
        res[f'stage{stage}_max_loss_diff'] = diff(plain, fast)  # step 2 follows an Adam update, which magnifies rounding
        res[f'stage{stage}_max_loss_rel_diff'] = max(abs(x - y) / abs(x) for x, y in zip(plain.losses, fast.losses))
        res[f'stage{stage}_max_loss_diff_plain_rerun'] = diff(plain, again)
        res[f'stage{stage}_max_loss_diff_plain_1ulp_images'] = diff(plain, jitter)
        # the yardstick: plain float32 and optimised, each against the same models in float64 (fixed noise, no update)
        ref = our_learner(our_models(stage), batch, False); ref.G.double(); ref.D.double()
        b = {'real': batch['images'][64 * (4 if stage == 2 else 1)], 'embedding': batch['embedding']}
        g, c = torch.Generator().manual_seed(a.seed + 2), ref.recipe.cfg
        z, eps, eps1 = (torch.randn(a.batch, n, generator=g, dtype=torch.float64).to(device) for n in (c.nz, c.ng, 128))
        l64, g64 = losses_and_grads(ref, stage, b, z, eps, eps1, torch.float64)
        for name in ('plain', 'optimised'):
            learn = our_learner(our_models(stage), batch, name == 'optimised')
            if name == 'optimised' and a.channels_last: b = {**b, 'real': b['real'].contiguous(memory_format=torch.channels_last)}
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=name == 'optimised' and a.bf16):
                l32, g32 = losses_and_grads(learn, stage, b, z, eps, eps1, torch.float32)
            res[f'stage{stage}_{name}_vs_float64'] = {'loss_rel_diff': ((l32 - l64).abs() / l64.abs()).max().item(),
                                                      'grad_rel_diff': ((g32 - g64).norm() / g64.norm()).item()}
    print(json.dumps(res)); sys.exit()

res.update(repeats=a.repeats, warmup=a.warmup, steps_per_round=steps)
for stage in stages:
    batch = make_batch(stage)
    o = Official(stage, batch)
    learn = our_learner(our_models(stage), batch, True)
    ours = learn.one_step
    res[f'stage{stage}_params_official'] = {'G': n_params(o.G), 'D': n_params(o.D)}
    res[f'stage{stage}_params_ours'] = {'G': n_params(learn.G), 'D': n_params(learn.D)}
    for _ in range(a.warmup): o.step(); ours()
    t_off, t_ours = [], []
    for _ in range(a.repeats): t_off.append(timed(o.step)); t_ours.append(timed(ours))
    best_o, best_u, med_o, med_u = min(t_off), min(t_ours), statistics.median(t_off), statistics.median(t_ours)
    res.update({f'stage{stage}_official_ms': round(best_o, 1), f'stage{stage}_ours_ms': round(best_u, 1),
                f'stage{stage}_speedup': round(best_o / best_u, 3),
                f'stage{stage}_official_median_ms': round(med_o, 1), f'stage{stage}_ours_median_ms': round(med_u, 1),
                f'stage{stage}_speedup_median': round(med_o / med_u, 3)})
    if a.profile:
        from torch.profiler import profile, ProfilerActivity
        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == 'cuda' else [])
        with profile(activities=acts) as prof: ours(); sync()
        key = 'self_cuda_time_total' if device.type == 'cuda' else 'self_cpu_time_total'
        print(f"--- stage {stage}: our step's top {a.profile} ops by {key}", file=sys.stderr)
        print(prof.key_averages().table(sort_by=key, row_limit=a.profile), file=sys.stderr)
    del o, learn
print(json.dumps(res))
