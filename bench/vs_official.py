"""One StackGAN or DF-GAN D+G training step, the official models against this library's, at the paper's sizes.

    python bench/vs_official.py [--stackgan-pytorch DIR] [--dfgan DIR] [--threads N] [--repeats 5] [--batch 8] [--warmup 2]
                                [--steps 1] [--stages 1,2] [--compile] [--channels-last] [--bf16] [--check] [--match]
                                [--profile 15] [--cpu-time] [--device cpu]

At least one of --stackgan-pytorch and --dfgan is needed; with both, the JSON line carries both sets of keys.

--stackgan-pytorch DIR is your own checkout of hanzhanggit/StackGAN-Pytorch (this project ships none of its code): its
code/model.py is imported as it is, with its cfg set to the birds values (TEXT.DIMENSION 1024, GAN.CONDITION_DIM 128, GF_DIM
128, DF_DIM 64, R_NUM 4, Z_DIM 100). Without the `easydict` package a small stand-in is used (a dict with attribute access).

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
--profile N prints torch.profiler's top N ops of one of our steps per stage to stderr. --cpu-time times with the process's
CPU time instead of the wall clock (steadier where other processes share the cores; with N threads, it counts N threads' work).

DF-GAN mode (--dfgan DIR, your own checkout of tobran/DF-GAN): its code/models/GAN.py is imported as it is (NetG, NetD, NetC at
the release's bird config: nf 32, 256 px, 256-d sentence embeddings, z 100, PyTorch's default initialisation), and the step is
lib/modules.py's train loop body written out here (its MA_GP and hinge loss, on the device the tensors are on): D's hinge loss
on real pairs, mismatched pairs (the real features rolled by one against the sentences) and fakes, MA-GP (k 2, p 6) on the
real images and sentences, D's update (Adam 4e-4, betas (0.0, 0.9), D and its sentence head), then G's hinge loss and update
(Adam 1e-4, betas (0.0, 0.9)); the official loop reads no loss per step, so its step calls no .item(). Ours is
`learn.one_step()` of DFGANRecipe with DFGenerator / DFDiscriminator at DFGANConfig's `paper` preset, built as dfgan_learner
does but without `build_learner` (no data). Keys: dfgan_official_ms, dfgan_ours_ms,
their _median_ms, dfgan_speedup(_median), dfgan_params_official / dfgan_params_ours (G; D without its sentence head; the head).
With --profile N, DF-GAN also gets dfgan_ours_breakdown_ms: one of our steps taken apart with the library's own pieces and each
part timed on its own (G forward; D forward + hinge loss; MA-GP's gradient; D's backward, whose share for MA-GP's double
backward is measured against a backward of the hinge loss alone; D's Adam step; G's step), medians over --repeats rounds,
beside whole one_step()s (in channels_last with --channels-last; without --bf16's autocast, which only one_step() applies).
--match times nothing: ours takes the official models' weights (through load_dfgan_official, as a release checkpoint loads)
and runs two steps beside the official code in float32 and, as the yardstick, in float64, all from the same noise; it prints
the three codes' losses (D, G, MA-GP) per step, and for each pair the largest loss difference and the relative difference of
what the two steps changed in G's and D's weights, and of D's first gradient (same weights, same noise, before any update: the
cleanest of the three; G's first gradient already follows D's update). Adam with beta1 = 0 moves each weight by about
lr * sign(grad) at first, which magnifies rounding: ours is as exact as the official when its distances to float64 are of the
same order as the official's.
--compile is refused with --dfgan: torch.compile (aot_autograd) does not run MA-GP's double backward.
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
from stackgan_edu.dfgan import (DFGenerator, DFDiscriminator, DFGANRecipe, check_dfgan_config, dfgan_models,
                                dfgan_official_renames, dfgan_official_state, load_dfgan_official, d_loss_hinge, g_loss_hinge, ma_gp)
from stackgan_edu.learner import no_weight_grads
from stackgan_edu.files import unwrap, rename_keys

TEXT_DIM = 1024  # char-CNN-RNN, the official embeddings
DF_TEXT_DIM = 256  # DAMSM's sentence vectors, DF-GAN's

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--stackgan-pytorch', type=Path, metavar='DIR', help='a checkout of hanzhanggit/StackGAN-Pytorch: time StackGAN')
p.add_argument('--dfgan', type=Path, metavar='DIR', help='a checkout of tobran/DF-GAN: time DF-GAN')
p.add_argument('--threads', type=int, default=torch.get_num_threads(), help='torch CPU threads (default: all cores)')
p.add_argument('--repeats', type=int, default=5, help='timed rounds per code, interleaved')
p.add_argument('--batch', type=int, default=8)
p.add_argument('--warmup', type=int, default=2, help='untimed steps of each code first')
p.add_argument('--steps', type=int, default=None, help='steps per timed round (default: 1 on a CPU, 10 on a GPU)')
p.add_argument('--stages', default='1,2', help="StackGAN's stages: '1', '2' or '1,2'")
p.add_argument('--device', default=None, help="'cpu' or 'cuda' (default: cuda if there is one)")
p.add_argument('--compile', action='store_true', help='ours: torch.compile(dynamic=False) of G and D')
p.add_argument('--channels-last', action='store_true', help='ours: models and images in torch.channels_last')
p.add_argument('--bf16', action='store_true', help='ours: bf16 autocast (MixedPrecisionCB), GPUs only')
p.add_argument('--check', action='store_true', help="StackGAN, time nothing: compare ours plain and optimised, two steps' losses")
p.add_argument('--match', action='store_true', help="DF-GAN, time nothing: ours from the official weights and noise, losses and weights compared")
p.add_argument('--profile', type=int, default=0, metavar='N',
               help="print the top N ops of one of our steps per stage to stderr; DF-GAN: also time our step's parts")
p.add_argument('--cpu-time', action='store_true',
               help="time with the process's CPU time, not the wall clock (CPUs only; steadier on a shared machine)")
p.add_argument('--seed', type=int, default=0)
a = p.parse_args()

if a.stackgan_pytorch is None and a.dfgan is None:
    p.error("say what to time: --stackgan-pytorch DIR (a StackGAN-Pytorch checkout), --dfgan DIR (a DF-GAN checkout), or both.")
if a.check and a.stackgan_pytorch is None: p.error("--check compares our StackGAN plain and optimised: add --stackgan-pytorch DIR (for DF-GAN, --match).")
if a.match and a.dfgan is None: p.error("--match compares DF-GAN's official step and ours: add --dfgan DIR.")
if (a.check and a.dfgan) or (a.match and a.stackgan_pytorch):
    p.error("--check (StackGAN) and --match (DF-GAN) time nothing and print their own line: give only the checkout each one needs.")
stages = [int(s) for s in a.stages.split(',') if s.strip() in ('1', '2')] if a.stackgan_pytorch else []
if a.stackgan_pytorch and (not stages or len(stages) != len(a.stages.split(','))): p.error(f"--stages takes 1, 2 or 1,2, got {a.stages!r}.")
if a.batch < 2: p.error("--batch must be at least 2 (the wrong pairs are the batch shifted by one).")
if min(a.repeats, a.threads) < 1 or a.warmup < 0: p.error("--repeats and --threads must be >= 1, --warmup >= 0.")
device = torch.device(a.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
if device.type == 'cuda' and not torch.cuda.is_available(): p.error("--device cuda, but torch sees no GPU: leave --device out.")
if a.bf16 and device.type != 'cuda': p.error("--bf16 is for GPUs only: drop it on a CPU.")
if a.compile and a.dfgan:  # measured: torch 2.13 raises "torch.compile with aot_autograd does not currently support double backward"
    p.error("--compile cannot run DF-GAN: torch.compile does not support MA-GP's double backward; drop --compile with --dfgan "
            "(time StackGAN compiled in a run of its own).")
if a.cpu_time and device.type != 'cpu': p.error("--cpu-time measures CPU work: drop it on a GPU (or add --device cpu).")
clock = time.process_time if a.cpu_time else time.perf_counter
if a.check and not (a.compile or a.channels_last or a.bf16):
    p.error("--check compares plain and optimised: add --compile, --channels-last or --bf16.")
if a.stackgan_pytorch:
    code = a.stackgan_pytorch.expanduser().resolve() / 'code'
    if not (code / 'model.py').is_file() or not (code / 'miscc' / 'config.py').is_file():
        p.error(f"{a.stackgan_pytorch} is not a StackGAN-Pytorch checkout (no code/model.py, code/miscc/config.py): "
                "clone https://github.com/hanzhanggit/StackGAN-Pytorch and pass its folder.")
if a.dfgan:
    df_code = a.dfgan.expanduser().resolve() / 'code'
    if not (df_code / 'models' / 'GAN.py').is_file() or not (df_code / 'lib' / 'modules.py').is_file():
        p.error(f"{a.dfgan} is not a DF-GAN checkout (no code/models/GAN.py, code/lib/modules.py): "
                "clone https://github.com/tobran/DF-GAN and pass its folder.")
steps = a.steps or (10 if device.type == 'cuda' else 1)
torch.set_num_threads(a.threads)

def import_file(name, path):
    "A module from a file, imported as it is (without its package's __init__)."
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m

# ---- the official StackGAN code, imported as it is
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
if a.stackgan_pytorch:
    sys.path.insert(0, str(code))
    from miscc.config import cfg as off_cfg  # noqa: E402
    off_cfg.CUDA = device.type == 'cuda'
    off_cfg.Z_DIM, off_cfg.TEXT.DIMENSION = 100, TEXT_DIM
    off_cfg.GAN.CONDITION_DIM, off_cfg.GAN.DF_DIM, off_cfg.GAN.GF_DIM, off_cfg.GAN.R_NUM = 128, 64, 128, 4
    off_cfg.TRAIN.COEFF.KL = 2.0
    off = import_file('stackgan_pytorch_model', code / 'model.py')
# ---- the official DF-GAN models, imported as they are
if a.dfgan: dfo = import_file('dfgan_official_gan', df_code / 'models' / 'GAN.py')

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

def make_batch(size, text_dim=TEXT_DIM):
    "One fixed batch: images in [-1, 1] at `size` px, sentence embeddings, the mismatched ones (the batch rolled by one)."
    g = torch.Generator().manual_seed(a.seed)
    emb = torch.randn(a.batch, text_dim, generator=g)
    return {'images': {size: (torch.rand(a.batch, 3, size, size, generator=g) * 2 - 1).to(device)},
            'embedding': emb.to(device), 'wrong_embedding': emb.roll(1, 0).to(device)}

def sync():
    if device.type == 'cuda': torch.cuda.synchronize()

def timed(step):
    "ms per step over one round of `steps` steps."
    sync(); t = clock()
    for _ in range(steps): step()
    sync(); return (clock() - t) / steps * 1000

n_params = lambda m: sum(q.numel() for q in m.parameters())
opts = {'compile': a.compile, 'channels_last': a.channels_last, 'bf16': a.bf16}
res = {'threads': a.threads, 'batch': a.batch, 'device': str(device), 'torch': torch.__version__, **opts,
       'clock': 'cpu' if a.cpu_time else 'wall'}

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

# ---- DF-GAN: the official step and ours
def df_config():
    "DFGANConfig's paper preset (the release's bird config) at the bench's batch."
    cfg = get_config('dfgan', 'paper', batch_size=a.batch); check_dfgan_config(cfg); return cfg

def df_hinge(out, negative:bool):
    "DF-GAN's hinge_loss (lib/modules.py): mean relu(1 + out) for negatives, mean relu(1 - out) for positives."
    return F.relu(1.0 + out).mean() if negative else F.relu(1.0 - out).mean()

class OfficialDF:
    "DF-GAN's released NetG, NetD and NetC, their optimisers (src/train.py) and per-batch step (lib/modules.py's train loop body)."
    def __init__(self, batch, dtype=torch.float32): # float64: the yardstick of --match
        c = df_config()
        seed_everything(a.seed)  # PyTorch's default initialisation draws from the global generator
        self.G = dfo.NetG(c.ngf, c.nz, DF_TEXT_DIM, c.size, 3).to(device).train()
        self.D, self.C = dfo.NetD(c.ndf, c.size, 3).to(device).train(), dfo.NetC(c.ndf, DF_TEXT_DIM).to(device).train()
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=0.0001, betas=(0.0, 0.9))
        self.opt_D = torch.optim.Adam(list(self.D.parameters()) + list(self.C.parameters()), lr=0.0004, betas=(0.0, 0.9))
        self.real, self.emb, self.nz = batch['images'][c.size].to(dtype), batch['embedding'].to(dtype), c.nz
        for m in (self.G, self.D, self.C): m.to(dtype)
    def step(self):
        "One batch of the official loop; its losses as tensors (the loop reads none of them)."
        G, D, C = self.G, self.D, self.C
        imgs, sent_emb = self.real.detach().requires_grad_(), self.emb.detach().requires_grad_()  # fresh leaves, as each batch's
        real_features = D(imgs)
        pred_real = C(real_features, sent_emb); errD_real = df_hinge(pred_real, False)
        mis_features = torch.cat((real_features[1:], real_features[0:1]), dim=0)  # image i + 1 with sentence i
        errD_mis = df_hinge(C(mis_features, sent_emb), True)
        noise = torch.randn(len(sent_emb), self.nz, device=device).to(imgs.dtype)  # .to: for the float64 yardstick only
        fake = G(noise, sent_emb)
        errD_fake = df_hinge(C(D(fake.detach()), sent_emb), True)
        grads = torch.autograd.grad(outputs=pred_real, inputs=(imgs, sent_emb), grad_outputs=torch.ones_like(pred_real),
                                    retain_graph=True, create_graph=True, only_inputs=True)  # MA_GP
        grad = torch.cat((grads[0].view(grads[0].size(0), -1), grads[1].view(grads[1].size(0), -1)), dim=1)
        errD_MAGP = 2.0 * torch.mean(torch.sqrt(torch.sum(grad ** 2, dim=1)) ** 6)
        errD = errD_real + (errD_fake + errD_mis) / 2.0 + errD_MAGP
        self.opt_D.zero_grad(); errD.backward(); self.opt_D.step()
        errG = -C(D(fake), sent_emb).mean()
        self.opt_G.zero_grad(); errG.backward(); self.opt_G.step()
        return {'loss_D': errD, 'loss_G': errG, 'ma_gp': errD_MAGP}

def df_our_models(official:OfficialDF|None=None):
    "Our DFGenerator, DFDiscriminator (with its sentence head), optimisers and DFGANRecipe at the paper preset; the official's weights if given."
    cfg = df_config()
    seed_everything(a.seed)
    G, D = dfgan_models(cfg, DF_TEXT_DIM)
    if official is not None:  # the way load_official takes a release checkpoint's 'model' entry
        nets = {'netG': official.G.state_dict(), 'netD': official.D.state_dict(), 'netC': official.C.state_dict()}
        for part, m in (('G', G), ('D', D)): load_dfgan_official(nets, Path('the official models'), part, into=m)
    return (G, D, *make_optimizers(G, D, cfg), DFGANRecipe(cfg))

def dfgan_breakdown(learn, rounds:int) -> dict:
    "ms of the parts of one of our DF-GAN steps, DFGANRecipe.d_loss and the learner's two updates taken apart, medians over rounds."
    G, D, opt_G, opt_D, recipe = learn.G, learn.D, learn.opt_G, learn.opt_D, learn.recipe
    cfg, t = recipe.cfg, {}
    def lap(name, t0):
        sync(); now = clock(); t.setdefault(name, []).append((now - t0) * 1000); return now
    for _ in range(rounds):
        b = recipe.prepare(learn, next(learn.data)); G.train(); D.train()
        sync(); t0 = clock()
        opt_D.zero_grad(set_to_none=True)
        fake, aux = G(torch.randn(len(b['real']), cfg.nz, device=device), b['embedding'])
        t0 = lap('G_forward', t0)
        x, s = b['real'].detach().requires_grad_(), aux['d_cond'].detach().requires_grad_()
        d_real, d_wrong = D(x, [s, recipe.wrong_condition(s, aux)])
        loss = d_loss_hinge(d_real, D(fake.detach(), s), d_wrong, cfg.wrong_weight)
        t0 = lap('D_forward_hinge', t0)
        gp = ma_gp(d_real, x, s, cfg.gp_weight, cfg.gp_power)
        t0 = lap('MA-GP_grad', t0)
        (loss + gp).backward()
        t0 = lap('D_backward', t0)
        opt_D.step()
        t0 = lap('D_adam', t0)
        opt_G.zero_grad(set_to_none=True)
        with no_weight_grads(D): loss_G = g_loss_hinge(D(fake, s))
        loss_G.backward(); opt_G.step()
        t0 = lap('G_step', t0)
        # the same D loss without MA-GP, its backward alone: D_backward minus this is MA-GP's double backward
        opt_D.zero_grad(set_to_none=True)
        x, s = b['real'].detach().requires_grad_(), aux['d_cond'].detach().requires_grad_()
        d_real, d_wrong = D(x, [s, recipe.wrong_condition(s, aux)])
        loss = d_loss_hinge(d_real, D(fake.detach(), s), d_wrong, cfg.wrong_weight)
        sync(); t0 = clock(); loss.backward(); lap('D_backward_hinge_only', t0)
        opt_D.zero_grad(set_to_none=True)
        sync(); t0 = clock(); learn.one_step(); lap('one_step', t0)
    med = {k: round(statistics.median(v), 1) for k, v in t.items()}
    med['MA-GP_double_backward'] = round(med['D_backward'] - med['D_backward_hinge_only'], 1)
    parts = ('G_forward', 'D_forward_hinge', 'MA-GP_grad', 'D_backward', 'D_adam', 'G_step')
    med['sum_of_parts'] = round(sum(med[k] for k in parts), 1)
    med['learner_overhead'] = round(med['one_step'] - med['sum_of_parts'], 1)  # logs' .item(), finiteness checks, callbacks
    return med

def official_weights(o:OfficialDF, learn=None) -> dict:
    "G's and D's (with the head's) weights as two float64 vectors in the official's order: the official's, or our learner's renamed."
    ref = {'netG': o.G.state_dict(), 'netD': o.D.state_dict(), 'netC': o.C.state_dict()}
    nets = ref if learn is None else {**dfgan_official_state(learn.G), **dfgan_official_state(learn.D)}
    flat = lambda *names: torch.cat([nets[n][k].detach().double().flatten().cpu() for n in names for k in ref[n]])
    return {'G': flat('netG'), 'D': flat('netD', 'netC')}

def record_grads(opt, named:dict, log:list):
    "Before each step of `opt`, append the gradients of its parameters (float64 copies, by their names in `named`) to `log`."
    names = {id(q): k for k, q in named.items()}
    opt.register_step_pre_hook(lambda o, args, kw: log.append(
        {names[id(q)]: q.grad.detach().double().cpu().clone() for g in o.param_groups for q in g['params'] if q.grad is not None}))

def official_names(m, prefix='') -> dict:
    "Our model's parameters by the release's names (the D's with 'netD.' / 'netC.' as they come), or a release model's with a prefix."
    if isinstance(unwrap(m), (DFGenerator, DFDiscriminator)):
        return rename_keys(dict(unwrap(m).named_parameters()), [(b, a) for a, b in dfgan_official_renames(unwrap(m))])
    return {prefix + k: q for k, q in m.named_parameters()}

if a.match:
    size, n_steps = df_config().size, 2
    batch = make_batch(size, DF_TEXT_DIM)
    o = OfficialDF(batch)
    ref = OfficialDF(batch, torch.float64)  # the yardstick: the official code in float64 from the same weights
    for m, r in ((o.G, ref.G), (o.D, ref.D), (o.C, ref.C)): r.load_state_dict(m.state_dict())
    learn = our_learner(df_our_models(o), batch, True)
    before = official_weights(o)
    assert all(torch.equal(before[k], w[k]) for w in (official_weights(ref), official_weights(o, learn)) for k in before), "weights not copied"
    keys, losses = ('loss_D', 'loss_G', 'ma_gp'), {'official': [], 'official_float64': [], 'ours': []}
    grads = {k: {'G': [], 'D': []} for k in losses}  # each optimiser step's gradients, by the release's names
    for name, code in (('official', o), ('official_float64', ref)):
        record_grads(code.opt_G, official_names(code.G), grads[name]['G'])
        record_grads(code.opt_D, {**official_names(code.D, 'netD.'), **official_names(code.C, 'netC.')}, grads[name]['D'])
    record_grads(learn.opt_G, official_names(learn.G), grads['ours']['G'])
    record_grads(learn.opt_D, official_names(learn.D), grads['ours']['D'])
    for i in range(n_steps):  # the same noise for all three: each draws z first thing (the official after D's real forward)
        for name, code in (('official', o), ('official_float64', ref)):
            torch.manual_seed(a.seed + 1 + i); l = code.step(); losses[name].append([l[k].item() for k in keys])
        torch.manual_seed(a.seed + 1 + i); learn.one_step(); losses['ours'].append([learn.logs[k] for k in keys])
    after = {'official': official_weights(o), 'official_float64': official_weights(ref), 'ours': official_weights(o, learn)}
    pairs = (('ours', 'official'), ('official', 'official_float64'), ('ours', 'official_float64'))
    res.update(dfgan_match_steps=n_steps, dfgan_match_losses={k: [[round(x, 7) for x in s] for s in v] for k, v in losses.items()})
    flat = lambda g, names: torch.cat([g[k].flatten() for k in names])
    for u, v in pairs:  # losses: largest absolute difference; weights: ||change u - change v|| / ||change v|| over the steps
        res[f'dfgan_match_loss_max_abs_diff_{u}_vs_{v}'] = max(abs(x - y) for su, sv in zip(losses[u], losses[v]) for x, y in zip(su, sv))
        gu, gv = grads[u]['D'][0], grads[v]['D'][0]  # D's first gradient: same weights, same noise, before any update
        assert gu.keys() == gv.keys(), f"{u} and {v} differ in which of D's weights get a gradient"
        res[f'dfgan_match_D_grad_step1_rel_diff_{u}_vs_{v}'] = ((flat(gu, gv) - flat(gv, gv)).norm() / flat(gv, gv).norm()).item()
        for part in ('G', 'D'):
            du, dv = after[u][part] - before[part], after[v][part] - before[part]
            res[f'dfgan_match_{part}_update_rel_diff_{u}_vs_{v}'] = (du - dv).norm().item() / dv.norm().item()
    print(json.dumps(res)); sys.exit()

if a.check:
    import torch._inductor.config as ind
    ind.fallback_random = True  # compiled code draws the same random numbers as eager
    for stage in stages:
        batch = make_batch(64 * (4 if stage == 2 else 1))
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

def time_both(key, official_step, ours):
    "Warm up both, then --repeats interleaved rounds; adds key_official_ms, key_ours_ms, their medians and speed-ups to res."
    for _ in range(a.warmup): official_step(); ours()
    t_off, t_ours = [], []
    for _ in range(a.repeats): t_off.append(timed(official_step)); t_ours.append(timed(ours))
    best_o, best_u, med_o, med_u = min(t_off), min(t_ours), statistics.median(t_off), statistics.median(t_ours)
    res.update({f'{key}_official_ms': round(best_o, 1), f'{key}_ours_ms': round(best_u, 1), f'{key}_speedup': round(best_o / best_u, 3),
                f'{key}_official_median_ms': round(med_o, 1), f'{key}_ours_median_ms': round(med_u, 1),
                f'{key}_speedup_median': round(med_o / med_u, 3)})

def print_profile(what, ours):
    "torch.profiler's top --profile ops of one of our steps, to stderr."
    from torch.profiler import profile, ProfilerActivity
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == 'cuda' else [])
    with profile(activities=acts) as prof: ours(); sync()
    key = 'self_cuda_time_total' if device.type == 'cuda' else 'self_cpu_time_total'
    print(f"--- {what}: our step's top {a.profile} ops by {key}", file=sys.stderr)
    print(prof.key_averages().table(sort_by=key, row_limit=a.profile), file=sys.stderr)

res.update(repeats=a.repeats, warmup=a.warmup, steps_per_round=steps)
for stage in stages:
    batch = make_batch(64 * (4 if stage == 2 else 1))
    o = Official(stage, batch)
    learn = our_learner(our_models(stage), batch, True)
    res[f'stage{stage}_params_official'] = {'G': n_params(o.G), 'D': n_params(o.D)}
    res[f'stage{stage}_params_ours'] = {'G': n_params(learn.G), 'D': n_params(learn.D)}
    time_both(f'stage{stage}', o.step, learn.one_step)
    if a.profile: print_profile(f'stage {stage}', learn.one_step)
    del o, learn
if a.dfgan:
    batch = make_batch(df_config().size, DF_TEXT_DIM)
    o = OfficialDF(batch)
    learn = our_learner(df_our_models(), batch, True)
    head = n_params(unwrap(learn.D).cond_head)
    res['dfgan_params_official'] = {'G': n_params(o.G), 'D': n_params(o.D), 'head': n_params(o.C)}  # NetD; NetC, the sentence head
    res['dfgan_params_ours'] = {'G': n_params(learn.G), 'D': n_params(learn.D) - head, 'head': head}
    time_both('dfgan', o.step, learn.one_step)
    if a.profile:
        res['dfgan_ours_breakdown_ms'] = dfgan_breakdown(learn, a.repeats)
        print_profile('DF-GAN', learn.one_step)
    del o, learn
print(json.dumps(res))
