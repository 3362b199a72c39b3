"""Every registered recipe, wired right: its losses judged by a stub D whose answers are known, and each player moving
the right way over a few dozen tiny updates. A recipe that swaps real and fake, pairs an image with the wrong caption,
drops a term or flips a sign fails here."""
import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from stackgan_edu.runs import recipes, get_config, build_learner

torch.set_num_threads(1)
softplus = lambda x: math.log1p(math.exp(x))  # BCE(logit, 1) = softplus(-logit); BCE(logit, 0) = softplus(logit)

class StubG(nn.Module):
    "Fakes of one known value (-0.5 everywhere); for text, D's conditions are the embeddings' first coordinate."
    def __init__(self, size, penalty=0.0): super().__init__(); self.size, self.penalty, self.w = size, penalty, nn.Parameter(torch.zeros(()))
    def forward(self, z, cond=None, wrong=None, eps=None):
        x = torch.full((len(z), 3, self.size, self.size), -0.5) + 0 * self.w
        if cond is None or cond.dtype == torch.long: return x  # unconditional, or a label
        aux = {'d_cond': cond[:, :1], 'penalties': {'kl_loss': self.penalty + 0 * self.w} if self.penalty else {}}
        if wrong is not None: aux['d_wrong'] = wrong[:, :1]
        return x, aux

class StubD(nn.Module):
    "logit = 2 * mean(image) + 5 * condition: each (image, condition) pairing gives its own known value; with `uncond`, 2 * mean(image) - 1 appended."
    def __init__(self, uncond=False): super().__init__(); self.uncond = uncond
    def judge(self, x, c=None):
        v = 2 * x.mean((1, 2, 3))
        if c is None: return v
        return v + 5 * (c.float().view(len(c), -1)[:, 0] if c.dtype != torch.long else 0.1 * c.float())
    def forward(self, x, cond=None):
        out = [self.judge(x, c) for c in cond] if isinstance(cond, (list, tuple)) else [self.judge(x, cond)]
        if self.uncond: out.append(self.judge(x) - 1)  # the unconditional head (StackGAN Stage-II's D), last
        return out[0] if len(out) == 1 else tuple(out)

def stub_batch(learn, n=4):
    "A prepared batch with real images of mean 1, captions' first coordinate 0.3, mismatched ones -0.7."
    cfg = learn.config
    b = learn.recipe.prepare(learn, next(learn.data))
    b['real'] = torch.ones(n, 3, cfg.size, cfg.size)
    for k, v in (('embedding', 0.3), ('wrong_embedding', -0.7)):
        if k in b: b[k] = torch.full((n, b[k].shape[1]), v)
    if 'y' in b: b['y'] = torch.full((n,), 3)
    return {k: (v[:n] if isinstance(v, (torch.Tensor, list)) else v) for k, v in b.items()}

RECIPES = sorted(recipes())

@pytest.mark.parametrize('name', RECIPES)
def test_losses_against_a_stub_discriminator(name):
    learn = build_learner(get_config(name, 'tiny'), device='cpu')
    cfg, penalty = learn.config, 0.25
    uncond = getattr(learn.D, 'uncond_head', None) is not None
    stub = SimpleNamespace(G=StubG(cfg.size, penalty if getattr(cfg, 'kl_weight', 0) else 0.0), D=StubD(uncond), device=torch.device('cpu'), config=cfg)
    b = stub_batch(learn)
    loss_D, logs = learn.recipe.d_loss(stub, b)
    loss_G, _ = learn.recipe.g_loss(stub, b)
    real, fake = 2 * 1.0, 2 * -0.5  # D's image term for real and fake images
    if name == 'dcgan':
        want_D, want_G = softplus(-real) + softplus(fake), softplus(-fake)
    elif name == 'cgan-label':  # label 3 adds 5 * 0.1 * 3 = 1.5 to every logit
        want_D, want_G = softplus(-(real + 1.5)) + softplus(fake + 1.5), softplus(-(fake + 1.5))
    elif uncond:  # StackGAN Stage-II: (real + uncond real) / 2 + (fake + wrong + uncond fake) / 3; G adds the uncond fake term
        c, cw = 5 * 0.3, 5 * -0.7
        want_D = (softplus(-(real + c)) + softplus(-(real - 1))) / 2 + (softplus(fake + c) + softplus(real + cw) + softplus(fake - 1)) / 3
        want_G = softplus(-(fake + c)) + softplus(-(fake - 1)) + cfg.kl_weight * penalty
    elif name == 'dfgan':  # hinge on raw scores (negatives weighted w) plus MA-GP: the stub's gradient is 2/N on each pixel and 5 on the condition
        w, c, cw, N, relu = cfg.wrong_weight, 5 * 0.3, 5 * -0.7, 3 * cfg.size ** 2, lambda v: max(v, 0.0)
        want_D = relu(1 - (real + c)) + w * (relu(1 + fake + c) + relu(1 + real + cw)) + cfg.gp_weight * (4 / N + 25) ** (cfg.gp_power / 2)
        want_G = -(fake + c)
    else:  # matching-aware: real+caption, and with weight w the fake+caption and real+mismatched caption
        w, c, cw = cfg.wrong_weight, 5 * 0.3, 5 * -0.7
        want_D = softplus(-(real + c)) + w * (softplus(fake + c) + softplus(real + cw))
        want_G = softplus(-(fake + c)) + (cfg.kl_weight * penalty if cfg.kl_weight else 0.0)
    if name == 'dfgan': assert logs['D_wrong'] == pytest.approx(real + 5 * -0.7, abs=1e-5)  # DF-GAN logs raw scores
    elif name not in ('dcgan', 'cgan-label'):
        assert logs['D_wrong'] == pytest.approx(torch.sigmoid(torch.tensor(real + 5 * -0.7)).item(), abs=1e-5)
    assert loss_D.item() == pytest.approx(want_D, rel=1e-6, abs=1e-5), (name, loss_D.item(), want_D)
    assert loss_G.item() == pytest.approx(want_G, abs=1e-5), (name, loss_G.item(), want_G)
    assert logs['D_x'] > logs['D_G_z']  # the stub prefers the real images, as logged

@pytest.mark.parametrize('name', RECIPES)
def test_each_player_moves_the_right_way(name):
    "20 D updates on one batch raise D(x), lower D(G(z)) and open a gap between matching and mismatched captions; 20 G updates then raise D(G(z))."
    torch.manual_seed(0)
    learn = build_learner(get_config(name, 'tiny', lr_D=2e-3, lr_G=2e-3, batch_size=8), device='cpu')
    learn.G.train(); learn.D.train()
    learn.b = b = learn.recipe.prepare(learn, next(learn.data))
    def probe():
        with torch.no_grad(): torch.manual_seed(1); return learn.recipe.d_loss(learn, dict(b))[1]
    before = probe()
    for _ in range(20): learn.update('D', learn.recipe.d_loss)
    mid = probe()
    assert mid['D_x'] > before['D_x'] and mid['D_G_z'] < before['D_G_z'], (before, mid)
    if 'D_wrong' in before:  # D learns real-vs-fake first, so D_wrong may rise at first, but less than D_x: matching starts
        assert mid['D_x'] - mid['D_wrong'] > before['D_x'] - before['D_wrong'], (before, mid)
    for _ in range(20):
        learn.recipe.d_loss(learn, b)  # makes this step's fakes, as the D step of a real iteration does
        learn.update('G', learn.recipe.g_loss)
    after = probe()
    assert after['D_G_z'] > mid['D_G_z'], (mid, after)
