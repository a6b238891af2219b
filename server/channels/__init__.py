"""Input channels for the enterprise messengers officers already use.

- ``server.channels.wecom.WeComInput``: 企业微信 / 政务微信 application callback
- ``server.channels.dingtalk.DingTalkInput``: 钉钉 robot, HTTP callback mode
- ``server.channels.feishu.FeishuInput``: 飞书 / Lark event subscription

Register them in a credentials file (see ``credentials.enterprise.example.yml``);
``common`` holds what they share: identity mapping, de-duplication, acknowledge
first and reply later, retries, message splitting and rendering.
"""
