"""Shipped specs: platform specs under platforms/, example code specs under codes/."""
