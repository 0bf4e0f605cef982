import pandas as pd
import torch
from sklearn.preprocessing import MinMaxScaler
from torch import nn


class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(n, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.layers(x)


df = pd.read_csv("train.csv")
X = torch.tensor(MinMaxScaler().fit_transform(df.drop(columns=["y"])), dtype=torch.float32)
net = Net(X.shape[1])
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
