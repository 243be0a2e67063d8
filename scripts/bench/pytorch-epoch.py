"""PyTorch peer of bench-train.ts: the lesson's network and step, timed the same way.

Run by bench-train.ts with Debian's python3 and python3-torch (CPU, OpenBLAS). argv[1] is a JSON
request: {"data": folder with train-images.u8 / train-labels.u8 / test-images.u8 / test-labels.u8
(raw uint8, 784 bytes per image), "threads": T, "epochs": E, "batchSize", "learningRate", "lambda",
"hiddenLayers", "seed"}. Prints one JSON line: per-epoch wall and CPU times (training steps plus
validation on the test split) and every step's time, measured as bench-train.ts measures the trainer's.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

request = json.loads(sys.argv[1])
torch.set_num_threads(request["threads"])
torch.manual_seed(request["seed"])


def load(name, width):
    values = np.fromfile(f"{request['data']}/{name}.u8", dtype=np.uint8)
    return torch.from_numpy(values.reshape(-1, width) if width > 1 else values.astype(np.int64))


train_x, train_y = load("train-images", 784), load("train-labels", 1)
test_x, test_y = load("test-images", 784), load("test-labels", 1)
widths = [784, *request["hiddenLayers"], 10]
layers = []
for fan_in, fan_out in zip(widths, widths[1:]):
    layer = torch.nn.Linear(fan_in, fan_out)
    torch.nn.init.xavier_uniform_(layer.weight)  # Keras' glorot_uniform
    torch.nn.init.zeros_(layer.bias)
    layers.append(layer)
parameters = [p for layer in layers for p in layer.parameters()]
optimizer = torch.optim.Adam(parameters, lr=request["learningRate"], betas=(0.9, 0.999), eps=1e-7)
lam = request["lambda"]


def forward(pixels):
    """Logits and the activity penalty λ·Σa² over the batch and every hidden unit."""
    x = pixels.float() / 255.0
    penalty = torch.zeros(())
    for layer in layers[:-1]:
        x = F.relu(layer(x))
        penalty = penalty + lam * x.square().sum()
    return layers[-1](x), penalty


batch_size = request["batchSize"]
n = train_x.shape[0]
epoch_ms, cpu_ms, step_ms = [], [], []
for epoch in range(request["epochs"]):
    started = time.perf_counter()
    cpu_started = time.process_time()  # all of the process's threads, OpenBLAS's own included
    order = torch.randperm(n)
    steps = []
    boundary = time.perf_counter()
    for start in range(0, n, batch_size):
        index = order[start : start + batch_size]
        logits, penalty = forward(train_x[index])
        loss = F.cross_entropy(logits, train_y[index]) + penalty
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss.item()  # the trainer reads its batch metrics back every step too
        now = time.perf_counter()
        steps.append((now - boundary) * 1000)
        boundary = now
    with torch.no_grad():
        correct = 0
        for start in range(0, test_x.shape[0], 2048):
            logits, _ = forward(test_x[start : start + 2048])
            correct += int((logits.argmax(1) == test_y[start : start + 2048]).sum())
    epoch_ms.append((time.perf_counter() - started) * 1000)
    cpu_ms.append((time.process_time() - cpu_started) * 1000)
    step_ms.append(steps)

print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "epochMs": epoch_ms, "epochCpuMs": cpu_ms, "stepMs": step_ms, "valAccuracy": correct / test_x.shape[0]}))
