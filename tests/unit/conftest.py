# -*- coding: utf-8 -*-
# Copyright (c) workload.availability contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unit tests' shared helpers live next to this file (builders.py); pytest puts this directory on sys.path
because this conftest is here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
