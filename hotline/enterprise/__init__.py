"""涉企 诉求: enterprises (统一社会信用代码 checked by its GB 32100-2015 check digit) linked to their tickets."""
