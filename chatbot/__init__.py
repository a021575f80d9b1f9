"""SellerGuard: a chat bot that helps sellers answer fake IP infringement complaints."""

__version__ = "0.1.0"
