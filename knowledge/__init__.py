"""SellerGuard's content: bilingual messages, checklists, intents, letter templates, lists.

This is data, shipped as package data; `chatbot.knowledge` reads it.
"""
