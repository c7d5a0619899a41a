"""SMS for 告知 and the callback link: a real provider adapter (Alibaba Cloud SendSms) beside the log sender."""
