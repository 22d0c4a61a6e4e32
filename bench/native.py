# The PyTorch side of bench/native.ts: the same networks, optimizer, batches and images as neurite's rows,
# driven over stdin/stdout one JSON line per request, so the two libraries can train in interleaved rounds.
# Times are this process's CPU time (time.process_time(), all threads) and wall time (time.perf_counter()).
#
# Requests (one JSON object per line; every answer is one JSON line):
#   {"op": "init", "threads": t, "mnist": dir, "order": file, "cifar": file, "cifarLabels": file, "cifarCount": n}
#   {"op": "make", "net": "mlp" | "cnn" | "cifar", "seed": s}        a fresh model and Adam 1e-3
#   {"op": "train", "net": ..., "from": i, "count": n, "batch": b}   the next images of the shared order
#   {"op": "test", "net": "mlp" | "cnn"}                             accuracy on the 10,000 test images
#   {"op": "predict", "reps": r}                                     r one-sample MLP predicts, timed together
#   {"op": "quit"}
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def idx(path, header):
    with open(path, 'rb') as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=header)


def mnist(folder):
    x = idx(f'{folder}/train-images-idx3-ubyte', 16).reshape(-1, 784).astype(np.float32) / 255
    y = idx(f'{folder}/train-labels-idx1-ubyte', 8).astype(np.int64)
    tx = idx(f'{folder}/t10k-images-idx3-ubyte', 16).reshape(-1, 784).astype(np.float32) / 255
    ty = idx(f'{folder}/t10k-labels-idx1-ubyte', 8).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(tx), torch.from_numpy(ty)


def net(name):
    if name == 'mlp':
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    if name == 'cnn':
        return nn.Sequential(nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 5), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 10))
    if name == 'cifar':
        return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                             nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(4096, 256), nn.ReLU(), nn.Linear(256, 10))
    raise ValueError(f'unknown net {name}')


def main():
    state = {}
    models = {}
    loss_fn = nn.CrossEntropyLoss()
    for line in sys.stdin:
        req = json.loads(line)
        op = req['op']
        out = {}
        if op == 'init':
            torch.set_num_threads(req['threads'])
            x, y, tx, ty = mnist(req['mnist'])
            order = torch.from_numpy(np.fromfile(req['order'], dtype=np.int32).astype(np.int64))
            state.update(x=x, y=y, tx=tx, ty=ty, order=order)
            if req.get('cifar'):
                n = req['cifarCount']
                # neurite's images are NHWC; PyTorch's convolutions take NCHW.
                cx = np.fromfile(req['cifar'], dtype=np.float32).reshape(n, 32, 32, 3).transpose(0, 3, 1, 2)
                state['cx'] = torch.from_numpy(np.ascontiguousarray(cx))
                state['cy'] = torch.from_numpy(np.fromfile(req['cifarLabels'], dtype=np.int32).astype(np.int64))
            info = [l.strip() for l in torch.__config__.show().splitlines() + torch.__config__.parallel_info().splitlines()]
            keep = ('CPU capability', 'ATen parallel backend', 'Intel(R) MKL-DNN', 'Intel(R) oneDNN')
            out = {'torch': torch.__version__, 'threads': torch.get_num_threads(),
                   'config': [l.lstrip('- ') for l in info if l.lstrip('- ').startswith(keep)]}
        elif op == 'make':
            torch.manual_seed(req['seed'])
            model = net(req['net'])
            models[req['net']] = (model, torch.optim.Adam(model.parameters(), lr=1e-3))
        elif op == 'train':
            model, opt = models[req['net']]
            model.train()
            b = req['batch']
            if req['net'] == 'cifar':
                n = state['cx'].shape[0]
                rows = torch.arange(req['from'], req['from'] + req['count']) % n
                xs, ys = state['cx'][rows], state['cy'][rows]
            else:
                rows = state['order'][req['from']:req['from'] + req['count']]
                xs, ys = state['x'][rows], state['y'][rows]
                if req['net'] == 'cnn':
                    xs = xs.reshape(-1, 1, 28, 28)
            c0, w0 = time.process_time(), time.perf_counter()
            for i in range(0, xs.shape[0], b):
                opt.zero_grad()
                loss = loss_fn(model(xs[i:i + b]), ys[i:i + b])
                loss.backward()
                opt.step()
            out = {'cpu': time.process_time() - c0, 'wall': time.perf_counter() - w0, 'loss': float(loss)}
        elif op == 'test':
            model, _ = models[req['net']]
            model.eval()
            tx = state['tx'] if req['net'] == 'mlp' else state['tx'].reshape(-1, 1, 28, 28)
            with torch.no_grad():
                pred = torch.cat([model(tx[i:i + 256]).argmax(1) for i in range(0, tx.shape[0], 256)])
            out = {'accuracy': float((pred == state['ty']).float().mean())}
        elif op == 'predict':
            model, _ = models['mlp']
            model.eval()
            one = state['tx'][0:1]
            with torch.no_grad():
                for _ in range(10):
                    torch.softmax(model(one), 1).numpy()
                c0 = time.process_time()
                for _ in range(req['reps']):
                    torch.softmax(model(one), 1).numpy()
                out = {'cpu': (time.process_time() - c0) / req['reps']}
        elif op == 'quit':
            break
        else:
            out = {'error': f'unknown op {op}'}
        sys.stdout.write(json.dumps(out) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
