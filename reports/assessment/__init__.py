"""考评: unit assessment schemes as data, monthly scores and ranks, explanations, 红黑榜, trend, Excel."""
