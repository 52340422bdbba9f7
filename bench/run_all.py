"""Runs every benchmark and prints one markdown table per group (paste into RESULTS.md)."""
import datetime

import conv
import gemm
import lenet
import memory
import optim
import overhead
from common import machine, print_table

if __name__ == "__main__":
    print(f"Date: {datetime.date.today()}  \nMachine: {machine()}")
    print_table(overhead.rows(), "Per-op overhead (tiny tensors)")
    print_table(gemm.rows(), "GEMM")
    print_table(conv.rows(), "Convolution and pooling")
    print_table(lenet.rows(), "LeNet-5 training step")
    print_table(optim.rows(), "Optimizer step (LeNet-5 parameters)")
    print_table(memory.rows(), "Import and memory (values in the unit shown, not µs)")
